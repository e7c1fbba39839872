package windns

// typeNames maps the type mnemonics Windows writes to their numbers. Types
// Windows has no name for are written as decimal numbers (`65`).
var typeNames = map[string]uint16{
	"A": 1, "NS": 2, "MD": 3, "MF": 4, "CNAME": 5, "SOA": 6, "MB": 7, "MG": 8, "MR": 9,
	"NULL": 10, "WKS": 11, "PTR": 12, "HINFO": 13, "MINFO": 14, "MX": 15, "TXT": 16,
	"RP": 17, "AFSDB": 18, "X25": 19, "ISDN": 20, "RT": 21, "NSAP": 22, "NSAPPTR": 23,
	"SIG": 24, "KEY": 25, "PX": 26, "GPOS": 27, "AAAA": 28, "LOC": 29, "NXT": 30,
	"EID": 31, "NIMLOC": 32, "SRV": 33, "ATMA": 34, "NAPTR": 35, "KX": 36, "CERT": 37,
	"A6": 38, "DNAME": 39, "SINK": 40, "OPT": 41, "APL": 42, "DS": 43, "SSHFP": 44,
	"IPSECKEY": 45, "RRSIG": 46, "NSEC": 47, "DNSKEY": 48, "DHCID": 49, "NSEC3": 50,
	"NSEC3PARAM": 51, "TLSA": 52, "SMIMEA": 53, "HIP": 55, "CDS": 59, "CDNSKEY": 60,
	"OPENPGPKEY": 61, "CSYNC": 62, "ZONEMD": 63, "SVCB": 64, "HTTPS": 65, "SPF": 99,
	"UINFO": 100, "UID": 101, "GID": 102, "UNSPEC": 103, "TKEY": 249, "TSIG": 250,
	"IXFR": 251, "AXFR": 252, "MAILB": 253, "MAILA": 254, "ANY": 255, "ALL": 255, "*": 255,
	"URI": 256, "CAA": 257, "WINS": 0xFF01, "WINSR": 0xFF02, "NBSTAT": 0xFF02,
}

// typeCode maps a type as written (mnemonic, decimal number or TYPEn) to its
// number; unknown mnemonics give 0, false.
func typeCode(b []byte) (uint16, bool) {
	if n, ok := atou(b); ok {
		return uint16(n), n <= 0xFFFF
	}
	if len(b) > 4 && string(b[:4]) == "TYPE" {
		if n, ok := atou(b[4:]); ok && n <= 0xFFFF {
			return uint16(n), true
		}
	}
	v, ok := typeNames[string(b)]
	return v, ok
}

// rcodeNames maps the response code names Windows writes to their values.
var rcodeNames = map[string]uint16{
	"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMPL": 4, "NOTIMP": 4,
	"REFUSED": 5, "YXDOMAIN": 6, "YXRRSET": 7, "NXRRSET": 8, "NOTAUTH": 9, "NOTZONE": 10,
	"BADVERS": 16, "BADSIG": 16, "BADKEY": 17, "BADTIME": 18, "BADMODE": 19, "BADNAME": 20,
	"BADALG": 21, "BADTRUNC": 22, "BADCOOKIE": 23,
}

// rcodeCode maps a response code name or decimal number to its value.
func rcodeCode(b []byte) (uint16, bool) {
	if n, ok := atou(b); ok && n <= 0xFFF {
		return uint16(n), true
	}
	v, ok := rcodeNames[string(b)]
	return v, ok
}

// atou parses a decimal number of at most 19 digits.
func atou(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// atoh parses a hexadecimal number of at most 16 digits, with or without
// a 0x prefix.
func atoh(b []byte) (uint64, bool) {
	if len(b) > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X') {
		b = b[2:]
	}
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		v, ok := hexDigit(c)
		if !ok {
			return 0, false
		}
		n = n<<4 | uint64(v)
	}
	return n, true
}
