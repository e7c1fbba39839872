package querylog

// typeCode maps a type as dnsmasq writes it inside query[...] or <...> (a
// mnemonic such as "NULL", or "type=N" for types it has no name for) to its
// number. Unknown mnemonics give 0, false.
func typeCode(b []byte) (uint16, bool) {
	if len(b) > 5 && string(b[:5]) == "type=" {
		n, ok := atou(b[5:])
		if !ok || n > 0xFFFF {
			return 0, false
		}
		return uint16(n), true
	}
	switch string(b) {
	case "A":
		return 1, true
	case "NS":
		return 2, true
	case "MD":
		return 3, true
	case "MF":
		return 4, true
	case "CNAME":
		return 5, true
	case "SOA":
		return 6, true
	case "MB":
		return 7, true
	case "MG":
		return 8, true
	case "MR":
		return 9, true
	case "NULL":
		return 10, true
	case "WKS":
		return 11, true
	case "PTR":
		return 12, true
	case "HINFO":
		return 13, true
	case "MINFO":
		return 14, true
	case "MX":
		return 15, true
	case "TXT":
		return 16, true
	case "RP":
		return 17, true
	case "AFSDB":
		return 18, true
	case "X25":
		return 19, true
	case "ISDN":
		return 20, true
	case "RT":
		return 21, true
	case "NSAP":
		return 22, true
	case "SIG":
		return 24, true
	case "KEY":
		return 25, true
	case "PX":
		return 26, true
	case "AAAA":
		return 28, true
	case "LOC":
		return 29, true
	case "SRV":
		return 33, true
	case "NAPTR":
		return 35, true
	case "KX":
		return 36, true
	case "CERT":
		return 37, true
	case "DNAME":
		return 39, true
	case "OPT":
		return 41, true
	case "APL":
		return 42, true
	case "DS":
		return 43, true
	case "SSHFP":
		return 44, true
	case "IPSECKEY":
		return 45, true
	case "RRSIG":
		return 46, true
	case "NSEC":
		return 47, true
	case "DNSKEY":
		return 48, true
	case "DHCID":
		return 49, true
	case "NSEC3":
		return 50, true
	case "NSEC3PARAM":
		return 51, true
	case "TLSA":
		return 52, true
	case "SMIMEA":
		return 53, true
	case "HIP":
		return 55, true
	case "CDS":
		return 59, true
	case "CDNSKEY":
		return 60, true
	case "OPENPGPKEY":
		return 61, true
	case "CSYNC":
		return 62, true
	case "ZONEMD":
		return 63, true
	case "SVCB":
		return 64, true
	case "HTTPS":
		return 65, true
	case "SPF":
		return 99, true
	case "TKEY":
		return 249, true
	case "TSIG":
		return 250, true
	case "IXFR":
		return 251, true
	case "AXFR":
		return 252, true
	case "MAILB":
		return 253, true
	case "MAILA":
		return 254, true
	case "ANY":
		return 255, true
	case "URI":
		return 256, true
	case "CAA":
		return 257, true
	}
	return 0, false
}
