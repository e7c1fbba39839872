package configchange

import (
	"net/netip"
	"strings"
)

// indexFold returns the index of the first match of sub in s, comparing
// ASCII case-insensitively, or -1. sub must be lowercase. It does not
// allocate.
func indexFold(s, sub string) int {
	n := len(sub)
	if n == 0 {
		return 0
	}
	first := sub[0]
	for i := 0; i+n <= len(s); i++ {
		if lower(s[i]) != first {
			continue
		}
		j := 1
		for j < n && lower(s[i+j]) == sub[j] {
			j++
		}
		if j == n {
			return i
		}
	}
	return -1
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// baseName returns the last element of a Windows or POSIX path.
func baseName(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' || path[i] == '\\' {
			return path[i+1:]
		}
	}
	return path
}

// isProgram reports whether tok names the program name (with or without
// ".exe" and a directory), case-insensitively.
func isProgram(tok, name string) bool {
	b := baseName(tok)
	if len(b) > 4 && strings.EqualFold(b[len(b)-4:], ".exe") {
		b = b[:len(b)-4]
	}
	return strings.EqualFold(b, name)
}

// serverSep reports whether c separates servers in a list: registry values
// use commas or spaces (REG_SZ) and NULs (REG_MULTI_SZ), and semicolons
// occur in hand-written values.
func serverSep(c byte) bool {
	switch c {
	case ',', ' ', ';', '\t', '\r', '\n', 0:
		return true
	}
	return false
}

// maxServers bounds the addresses taken from one value or command line.
const maxServers = 16

// serverList is a fixed-capacity list of addresses, kept in the Detector and
// reused so that parsing a value does not allocate.
type serverList struct {
	addrs    [maxServers]netip.Addr
	n        int
	unparsed int // tokens that are not addresses
	dropped  int // addresses past maxServers
}

func (l *serverList) reset() { *l = serverList{} }

func (l *serverList) add(a netip.Addr) {
	a = a.Unmap()
	for _, b := range l.addrs[:l.n] {
		if b == a {
			return
		}
	}
	if l.n == maxServers {
		l.dropped++
		return
	}
	l.addrs[l.n] = a
	l.n++
}

func (l *serverList) list() []netip.Addr { return l.addrs[:l.n] }

// parseServers adds the addresses of a comma-, space-, semicolon- or
// NUL-separated list to l. It does not allocate for IPv4 and IPv6 addresses
// without a zone.
func (l *serverList) parseServers(data string) {
	for len(data) > 0 {
		i := 0
		for i < len(data) && !serverSep(data[i]) {
			i++
		}
		if tok := data[:i]; tok != "" {
			if a, ok := parseServer(tok); ok {
				l.add(a)
			} else {
				l.unparsed++
			}
		}
		if i == len(data) {
			break
		}
		data = data[i+1:]
	}
}

// unparsedTokens returns the tokens of data that are not addresses, for
// evidence.
func unparsedTokens(data string) []string {
	var out []string
	for tok := range strings.FieldsFuncSeq(data, func(r rune) bool { return r < 0x80 && serverSep(byte(r)) }) {
		if _, ok := parseServer(tok); !ok && len(out) < maxServers {
			out = append(out, tok)
		}
	}
	return out
}

// parseServer parses one server as written in configuration: an address,
// optionally bracketed, with an optional port ("1.2.3.4:53",
// "[2001:db8::1]:853") or DoT server name ("1.1.1.1#one.one.one.one").
func parseServer(tok string) (netip.Addr, bool) {
	if i := strings.IndexByte(tok, '#'); i >= 0 {
		tok = tok[:i]
	}
	if a, err := netip.ParseAddr(tok); err == nil {
		return a.WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(tok); err == nil {
		return ap.Addr().WithZone(""), true
	}
	if len(tok) > 2 && tok[0] == '[' && tok[len(tok)-1] == ']' {
		if a, err := netip.ParseAddr(tok[1 : len(tok)-1]); err == nil {
			return a.WithZone(""), true
		}
	}
	return netip.Addr{}, false
}

// isEmptyData reports whether a registry value carries no server: blank, or
// the "(Empty)" that Sysmon writes for an empty string.
func isEmptyData(s string) bool {
	s = strings.TrimSpace(strings.Trim(s, "\x00"))
	return s == "" || strings.EqualFold(s, "(empty)")
}
