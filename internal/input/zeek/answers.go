package zeek

import (
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// Zeek's dns.log keeps only the RDATA text of each answer, not its type, so
// answerType infers the type from the text:
//
//   - an IPv4 address is A, an IPv6 address AAAA;
//   - Zeek's labelled forms ("TXT 18 text", "RRSIG 48 signer", "SSHFP: ...",
//     "LOC: ...", "BIND9 signing signal", ...) map to their type;
//   - a single token (a host name) is the answer to the question when the
//     question asks for a name (NS, CNAME, SOA, PTR, MX, SRV, DNAME: Zeek
//     logs the target, or the SOA primary server), and otherwise a CNAME:
//     the only names Zeek lists in answers to A, AAAA, TXT, ... questions
//     are the aliases on the way. An ANY question leaves a name's type
//     unknown (0). A CNAME inside a PTR or MX chain is reported with the
//     question's type: the log cannot tell them apart;
//   - anything else (dynamic update lines "add: ...", unknown forms) is
//     type 0 with the text as Data.
//
// isName reports that the answer is a host name, to be written in canonical
// form.
func answerType(a []byte, qtype uint16) (typ uint16, isName bool) {
	if len(a) == 0 {
		return 0, false
	}
	if t, ok := addrType(a); ok {
		return t, false
	}
	if t, ok := labelledType(a); ok {
		return t, false
	}
	for _, c := range a {
		if c == ' ' {
			return 0, false
		}
	}
	switch qtype {
	case event.TypeNS, event.TypeCNAME, event.TypeSOA, event.TypePTR, event.TypeMX, event.TypeSRV, typeDNAME:
		return qtype, true
	case event.TypeANY:
		return 0, true
	}
	return event.TypeCNAME, true
}

const typeDNAME uint16 = 39

// addrType recognises an IPv4 or IPv6 address. Dotted quads are checked by
// a scan (Zeek prints addresses from their binary form, so the text is
// canonical); anything with a colon goes to netip.ParseAddr.
func addrType(a []byte) (uint16, bool) {
	if isIPv4(a) {
		return event.TypeA, true
	}
	for _, c := range a {
		hex := (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
		if !hex && (c < '0' || c > '9') && c != '.' && c != ':' {
			return 0, false
		}
	}
	if ip, ok := parseAddr(a); ok && ip.Is6() {
		return event.TypeAAAA, true
	}
	return 0, false
}

// isIPv4 reports whether a is a dotted quad of decimal octets 0-255 without
// leading zeros, the form netip.ParseAddr accepts.
func isIPv4(a []byte) bool {
	dots, n, digits := 0, 0, 0
	for _, c := range a {
		switch {
		case c >= '0' && c <= '9':
			if digits > 0 && n == 0 {
				return false
			}
			n, digits = n*10+int(c-'0'), digits+1
			if n > 255 {
				return false
			}
		case c == '.' && digits > 0 && dots < 3:
			dots, n, digits = dots+1, 0, 0
		default:
			return false
		}
	}
	return dots == 3 && digits > 0
}

// labelledType recognises "WORD " or "WORD:" at the start of a for the
// labelled forms Zeek writes, or the bare "NSEC3PARAM".
func labelledType(a []byte) (uint16, bool) {
	if a[0] < 'A' || a[0] > 'Z' {
		return 0, false
	}
	i := 1
	for i < len(a) && ((a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= '0' && a[i] <= '9')) {
		i++
	}
	if i < len(a) && a[i] != ' ' && a[i] != ':' {
		return 0, false
	}
	if i == len(a) && string(a) != "NSEC3PARAM" {
		return 0, false
	}
	switch string(a[:i]) {
	case "TXT":
		return event.TypeTXT, true
	case "SPF":
		return 99, true
	case "RRSIG":
		return 46, true
	case "DNSKEY":
		return 48, true
	case "DS":
		return 43, true
	case "NSEC":
		return 47, true
	case "NSEC3":
		return 50, true
	case "NSEC3PARAM":
		return 51, true
	case "LOC":
		return 29, true
	case "SSHFP":
		return 44, true
	case "SVCB":
		return 64, true
	case "HTTPS":
		return event.TypeHTTPS, true
	case "CAA":
		return 257, true
	case "TKEY":
		return 249, true
	case "TSIG":
		return 250, true
	case "HINFO":
		return 13, true
	case "NAPTR":
		return 35, true
	case "BIND9":
		return 65534, true
	}
	return 0, false
}
