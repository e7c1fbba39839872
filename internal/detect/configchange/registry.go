package configchange

import (
	"net/netip"
	"strings"
)

// regKind says what a registry value configures.
type regKind uint8

const (
	regNone      regKind = iota
	regTcpip             // Tcpip/Tcpip6 NameServer, DhcpNameServer, StaticDnsAddress
	regNRPT              // Name Resolution Policy Table GenericDNSServers
	regDoHServer         // a DoH well-known server, the address in the key
	regDoHPolicy         // DoHPolicy / EnableAutoDoh
)

var regSources = [...]string{"", "tcpip", "nrpt", "doh-server", "doh-policy"}

// regMatch is a registry value this detector reads.
type regMatch struct {
	kind  regKind
	value string // the value name
	// addr is the server named by the key itself (DoH server keys).
	addr netip.Addr
}

// Key fragments, lowercase, found anywhere in the key so that every hive
// spelling (HKLM\, HKEY_LOCAL_MACHINE\, \REGISTRY\MACHINE\) and control set
// (CurrentControlSet, ControlSet001) matches.
const (
	fragTcpip       = `\services\tcpip`
	fragParameters  = `\parameters`
	fragNRPT        = `\dnspolicyconfig\`
	fragDoHServers  = `\dohwellknownservers\`
	fragDoHIface    = `\dohinterfacesettings\doh`
	fragDNSClient   = `\policies\microsoft\windows nt\dnsclient`
	fragDnscachePar = `\services\dnscache\parameters`
)

// classifyRegistry says whether the registry value (key, value name) is a
// resolver setting. When valueName is empty the last element of key is taken
// as the value name, as Sysmon's TargetObject joins them. It does not
// allocate.
func classifyRegistry(key, valueName string) (regMatch, bool) {
	if valueName == "" {
		if i := strings.LastIndexByte(key, '\\'); i >= 0 {
			key, valueName = key[:i], key[i+1:]
		}
	}
	if m, ok := classifyDoHServer(key, valueName); ok {
		return m, true
	}
	switch {
	case isTcpipParameters(key):
		if strings.EqualFold(valueName, "NameServer") || strings.EqualFold(valueName, "DhcpNameServer") ||
			strings.EqualFold(valueName, "StaticDnsAddress") {
			return regMatch{kind: regTcpip, value: valueName}, true
		}
	case indexFold(key, fragNRPT) >= 0:
		if strings.EqualFold(valueName, "GenericDNSServers") {
			return regMatch{kind: regNRPT, value: valueName}, true
		}
	case endsWithFold(key, fragDNSClient):
		if strings.EqualFold(valueName, "DoHPolicy") {
			return regMatch{kind: regDoHPolicy, value: valueName}, true
		}
	case endsWithFold(key, fragDnscachePar):
		if strings.EqualFold(valueName, "EnableAutoDoh") {
			return regMatch{kind: regDoHPolicy, value: valueName}, true
		}
	}
	return regMatch{}, false
}

// isTcpipParameters reports whether key is ...\Services\Tcpip\Parameters or
// ...\Services\Tcpip6\Parameters, or an Interfaces\{GUID} key below them.
func isTcpipParameters(key string) bool {
	i := indexFold(key, fragTcpip)
	if i < 0 {
		return false
	}
	rest := key[i+len(fragTcpip):]
	if len(rest) > 0 && rest[0] == '6' {
		rest = rest[1:]
	}
	if !hasPrefixFold(rest, fragParameters) {
		return false
	}
	rest = rest[len(fragParameters):]
	if rest == "" {
		return true
	}
	const ifaces = `\interfaces\`
	if !hasPrefixFold(rest, ifaces) {
		return false
	}
	guid := rest[len(ifaces):]
	return guid != "" && strings.IndexByte(guid, '\\') < 0
}

// classifyDoHServer matches ...\DohWellKnownServers\<addr> and the
// per-interface ...\DohInterfaceSettings\Doh[6]\<addr> keys, where the key
// name is the server address. The key may continue below the address.
func classifyDoHServer(key, valueName string) (regMatch, bool) {
	i := indexFold(key, fragDoHServers)
	var rest string
	switch {
	case i >= 0:
		rest = key[i+len(fragDoHServers):]
	default:
		j := indexFold(key, fragDoHIface)
		if j < 0 {
			return regMatch{}, false
		}
		rest = key[j+len(fragDoHIface):]
		rest = strings.TrimPrefix(rest, "6")
		if rest == "" || rest[0] != '\\' {
			return regMatch{}, false
		}
		rest = rest[1:]
	}
	if k := strings.IndexByte(rest, '\\'); k >= 0 {
		rest = rest[:k]
	}
	if rest == "" {
		// The value sits directly under DohWellKnownServers: its name is
		// the address.
		rest = valueName
	}
	a, ok := parseServer(rest)
	if !ok {
		return regMatch{}, false
	}
	return regMatch{kind: regDoHServer, value: valueName, addr: a.Unmap()}, true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func endsWithFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// isDeleteOp reports whether a registry operation removes rather than sets.
func isDeleteOp(op string) bool {
	return indexFold(op, "delete") >= 0
}
