package configchange

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestClassifyRegistry(t *testing.T) {
	const iface = `\Interfaces\{3A5B1C2D-0000-1111-2222-333344445555}`
	tests := []struct {
		name, key, value string
		want             regKind
		addr             string
	}{
		{"hklm nameserver", `HKLM\System\CurrentControlSet\Services\Tcpip\Parameters`, "NameServer", regTcpip, ""},
		{"interface dhcp", `HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters` + iface, "DhcpNameServer", regTcpip, ""},
		{"registry machine controlset001", `\REGISTRY\MACHINE\SYSTEM\ControlSet001\Services\Tcpip6\Parameters` + iface, "NameServer", regTcpip, ""},
		{"long hive lowercase", `hkey_local_machine\system\currentcontrolset\services\tcpip\parameters`, "staticdnsaddress", regTcpip, ""},
		{"sysmon joined value", `HKLM\System\CurrentControlSet\Services\Tcpip\Parameters` + iface + `\NameServer`, "", regTcpip, ""},
		{"other tcpip value", `HKLM\System\CurrentControlSet\Services\Tcpip\Parameters`, "Hostname", regNone, ""},
		{"deeper subkey", `HKLM\System\CurrentControlSet\Services\Tcpip\Parameters` + iface + `\Sub`, "NameServer", regNone, ""},
		{"tcpipreg look-alike", `HKLM\System\CurrentControlSet\Services\TcpipReg\Parameters`, "NameServer", regNone, ""},
		{"dnscache parameters nameserver", `HKLM\System\CurrentControlSet\Services\Dnscache\Parameters`, "NameServer", regNone, ""},
		{"nrpt policy", `HKLM\SOFTWARE\Policies\Microsoft\Windows NT\DNSClient\DnsPolicyConfig\{rule-1}`, "GenericDNSServers", regNRPT, ""},
		{"nrpt local", `HKLM\System\CurrentControlSet\Services\Dnscache\Parameters\DnsPolicyConfig\Rule1`, "GenericDNSServers", regNRPT, ""},
		{"nrpt configoptions", `HKLM\SOFTWARE\Policies\Microsoft\Windows NT\DNSClient\DnsPolicyConfig\{rule-1}`, "ConfigOptions", regNone, ""},
		{"doh well-known", `HKLM\SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\DohWellKnownServers\203.0.113.7`, "Template", regDoHServer, "203.0.113.7"},
		{"doh well-known v6", `HKLM\SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\DohWellKnownServers\2001:db8::53`, "Template", regDoHServer, "2001:db8::53"},
		{"doh interface", `HKLM\SYSTEM\CurrentControlSet\Services\Dnscache\InterfaceSpecificParameters\{g}\DohInterfaceSettings\Doh\198.51.100.9`, "DohFlags", regDoHServer, "198.51.100.9"},
		{"doh not an address", `HKLM\SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\DohWellKnownServers\junk`, "Template", regNone, ""},
		{"doh policy", `HKLM\SOFTWARE\Policies\Microsoft\Windows NT\DNSClient`, "DoHPolicy", regDoHPolicy, ""},
		{"auto doh", `HKLM\SYSTEM\CurrentControlSet\Services\Dnscache\Parameters`, "EnableAutoDoh", regDoHPolicy, ""},
		{"unrelated run key", `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`, "NameServer", regNone, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := classifyRegistry(tc.key, tc.value)
			if ok != (tc.want != regNone) || m.kind != tc.want {
				t.Fatalf("classify = %v %v, want kind %v", m.kind, ok, tc.want)
			}
			if tc.addr != "" && m.addr != netip.MustParseAddr(tc.addr) {
				t.Errorf("addr = %v, want %s", m.addr, tc.addr)
			}
		})
	}
}

func TestParseServers(t *testing.T) {
	tests := []struct {
		name, data string
		want       []string
		unparsed   int
	}{
		{"comma", "203.0.113.5,8.8.8.8", []string{"203.0.113.5", "8.8.8.8"}, 0},
		{"space", "203.0.113.5 8.8.8.8", []string{"203.0.113.5", "8.8.8.8"}, 0},
		{"semicolon and v6", "2001:db8::1; 203.0.113.5", []string{"2001:db8::1", "203.0.113.5"}, 0},
		{"multi sz", "10.0.0.1\x0010.0.0.2\x00", []string{"10.0.0.1", "10.0.0.2"}, 0},
		{"duplicates once", "1.1.1.1,1.1.1.1", []string{"1.1.1.1"}, 0},
		{"mapped", "::ffff:203.0.113.5", []string{"203.0.113.5"}, 0},
		{"junk counted", "dns.example,203.0.113.5", []string{"203.0.113.5"}, 1},
		{"bracketed port", "[2001:db8::1]:53", []string{"2001:db8::1"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var l serverList
			l.parseServers(tc.data)
			var got []string
			for _, a := range l.list() {
				got = append(got, a.String())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" || l.unparsed != tc.unparsed {
				t.Errorf("servers (-want +got):\n%s unparsed %d want %d", diff, l.unparsed, tc.unparsed)
			}
		})
	}
}
