package configchange

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name string
		cmd  string
		want *cmdResult // nil: not a resolver change
	}{
		// netsh
		{"netsh set dns static", `netsh interface ip set dns name="Ethernet" static 203.0.113.5`,
			&cmdResult{tool: "netsh", verb: "set dns", servers: []string{"203.0.113.5"}}},
		{"netsh ipv4 dnsservers address=", `C:\Windows\System32\NETSH.EXE interface ipv4 set dnsservers name="Wi-Fi" source=static address=203.0.113.5 register=primary validate=no`,
			&cmdResult{tool: "netsh", verb: "set dnsservers", servers: []string{"203.0.113.5"}}},
		{"netsh abbreviated add", `netsh int ipv6 add dnsserver "Ethernet 2" 2001:db8::53 index=2`,
			&cmdResult{tool: "netsh", verb: "add dnsserver", servers: []string{"2001:db8::53"}}},
		{"netsh dhcp", `netsh interface ip set dns "Ethernet" dhcp`,
			&cmdResult{tool: "netsh", verb: "set dns", reset: true}},
		{"netsh source=dhcp", `netsh interface ipv4 set dnsservers name=Ethernet source=dhcp`,
			&cmdResult{tool: "netsh", verb: "set dnsservers", reset: true}},
		{"netsh show interface", `netsh interface show interface`, nil},
		{"netsh show dns", `netsh interface ip show dns`, nil},
		{"netsh firewall", `netsh advfirewall set allprofiles state off`, nil},
		// PowerShell
		{"ps server addresses", `powershell.exe -NoP -Command "Set-DnsClientServerAddress -InterfaceIndex 12 -ServerAddresses ('203.0.113.5','8.8.8.8')"`,
			&cmdResult{tool: "powershell", verb: "Set-DnsClientServerAddress", servers: []string{"203.0.113.5", "8.8.8.8"}}},
		{"ps comma list colon form", `pwsh -c set-dnsclientserveraddress -InterfaceAlias Ethernet -ServerAddresses:203.0.113.5,2001:db8::1`,
			&cmdResult{tool: "powershell", verb: "set-dnsclientserveraddress", servers: []string{"203.0.113.5", "2001:db8::1"}}},
		{"ps reset", `powershell Set-DnsClientServerAddress -InterfaceAlias "Wi-Fi" -ResetServerAddresses`,
			&cmdResult{tool: "powershell", verb: "Set-DnsClientServerAddress", reset: true}},
		{"ps doh server", `powershell Add-DnsClientDohServerAddress -ServerAddress 203.0.113.9 -DohTemplate https://evil.example/dns-query`,
			&cmdResult{tool: "powershell", verb: "Add-DnsClientDohServerAddress", servers: []string{"203.0.113.9"}}},
		{"ps nrpt rule", `powershell Add-DnsClientNrptRule -Namespace ".corp.example" -NameServers "203.0.113.10"`,
			&cmdResult{tool: "powershell", verb: "Add-DnsClientNrptRule", servers: []string{"203.0.113.10"}}},
		{"ps global setting", `powershell Set-DnsClientGlobalSetting -SuffixSearchList @("evil.example")`,
			&cmdResult{tool: "powershell", verb: "Set-DnsClientGlobalSetting", setting: "global DNS client setting (suffix search list, devolution)"}},
		{"ps get look-alike", `powershell Get-DnsClientServerAddress -AddressFamily IPv4`, nil},
		// WMI
		{"wmic", `wmic nicconfig where Index=7 call SetDNSServerSearchOrder ("203.0.113.5","8.8.4.4")`,
			&cmdResult{tool: "wmi", verb: "SetDNSServerSearchOrder", servers: []string{"203.0.113.5", "8.8.4.4"}}},
		{"wmic reset", `wmic nicconfig where Index=7 call SetDNSServerSearchOrder ()`,
			&cmdResult{tool: "wmi", verb: "SetDNSServerSearchOrder", reset: true}},
		{"wmic get look-alike", `wmic nicconfig get DNSServerSearchOrder`, nil},
		// resolv.conf
		{"echo redirect", `sh -c "echo nameserver 203.0.113.5 > /etc/resolv.conf"`,
			&cmdResult{tool: "resolv.conf", verb: "redirect", servers: []string{"203.0.113.5"}}},
		{"printf append attached", `bash -c 'printf "nameserver 203.0.113.5\nnameserver 2001:db8::5\n" >>/etc/resolv.conf'`,
			&cmdResult{tool: "resolv.conf", verb: "redirect", servers: []string{"203.0.113.5", "2001:db8::5"}}},
		{"tee", `echo "nameserver 203.0.113.5" | sudo tee -a /etc/resolv.conf`,
			&cmdResult{tool: "resolv.conf", verb: "tee", servers: []string{"203.0.113.5"}}},
		{"sed -i", `sed -i 's/^nameserver .*/nameserver 203.0.113.5/' /etc/resolv.conf`,
			&cmdResult{tool: "resolv.conf", verb: "sed -i", servers: []string{"203.0.113.5"}}},
		{"cp from file", `cp /tmp/r.conf /etc/resolv.conf`,
			&cmdResult{tool: "resolv.conf", verb: "cp", setting: "resolv.conf written (cp) without a visible nameserver line"}},
		{"cat look-alike", `cat /etc/resolv.conf`, nil},
		{"grep look-alike", `grep nameserver /etc/resolv.conf`, nil},
		{"read then redirect elsewhere", `cat /etc/resolv.conf > /tmp/backup`, nil},
		{"sed without -i", `sed 's/a/b/' /etc/resolv.conf`, nil},
		{"cp from resolv.conf", `cp /etc/resolv.conf /tmp/x`, nil},
		// resolvectl and systemd-resolve
		{"resolvectl dns", `resolvectl dns eth0 203.0.113.5 1.1.1.1#cloudflare-dns.com`,
			&cmdResult{tool: "resolvectl", verb: "dns", servers: []string{"203.0.113.5", "1.1.1.1#cloudflare-dns.com"}}},
		{"resolvectl query look-alike", `resolvectl dns eth0`, nil},
		{"resolvectl status", `resolvectl status`, nil},
		{"resolvectl revert", `resolvectl revert eth0`, &cmdResult{tool: "resolvectl", verb: "revert", reset: true}},
		{"systemd-resolve", `systemd-resolve --interface=eth0 --set-dns=203.0.113.5`,
			&cmdResult{tool: "resolvectl", verb: "--set-dns", servers: []string{"203.0.113.5"}}},
		// nmcli
		{"nmcli con mod", `nmcli con mod "Wired connection 1" ipv4.dns "203.0.113.5 8.8.8.8" ipv4.ignore-auto-dns yes`,
			&cmdResult{tool: "nmcli", verb: "con mod", servers: []string{"203.0.113.5", "8.8.8.8"}}},
		{"nmcli plus v6", `nmcli c m wifi +ipv6.dns 2001:db8::53`,
			&cmdResult{tool: "nmcli", verb: "c m", servers: []string{"2001:db8::53"}}},
		{"nmcli show look-alike", `nmcli -g ipv4.dns connection show wifi`, nil},
		{"nmcli dev show", `nmcli dev show eth0`, nil},
		// networksetup
		{"networksetup", `networksetup -setdnsservers Wi-Fi 203.0.113.5 8.8.8.8`,
			&cmdResult{tool: "networksetup", verb: "-setdnsservers", servers: []string{"203.0.113.5", "8.8.8.8"}}},
		{"networksetup empty", `networksetup -setdnsservers "Wi-Fi" Empty`,
			&cmdResult{tool: "networksetup", verb: "-setdnsservers", reset: true}},
		{"networksetup get", `networksetup -getdnsservers Wi-Fi`, nil},
		// nothing at all
		{"plain process", `C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseCommand(tc.cmd)
			if tc.want == nil {
				if ok {
					t.Fatalf("parseCommand = %+v, want no change", got)
				}
				return
			}
			if !ok {
				t.Fatal("parseCommand found no change")
			}
			if diff := cmp.Diff(*tc.want, got, cmp.AllowUnexported(cmdResult{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		`netsh interface ip set dns name="Ethernet" static 203.0.113.5`,
		`powershell Set-DnsClientServerAddress -InterfaceIndex 12 -ServerAddresses ('1.1.1.1','8.8.8.8')`,
		`wmic nicconfig call SetDNSServerSearchOrder ("1.2.3.4")`,
		`echo nameserver 1.2.3.4 > /etc/resolv.conf`,
		`nmcli con mod x ipv4.dns "1.1.1.1"`,
		`resolvectl dns eth0 1.1.1.1`,
		`networksetup -setdnsservers Wi-Fi Empty`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cmd string) {
		r, ok := parseCommand(cmd)
		if !ok {
			return
		}
		for _, s := range r.servers {
			if _, valid := parseServer(s); !valid {
				t.Errorf("server %q is not an address", s)
			}
		}
	})
}
