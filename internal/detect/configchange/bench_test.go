package configchange

import (
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

func BenchmarkObserve(b *testing.B) {
	cases := []struct {
		name string
		ev   event.Event
	}{
		{"registry outside keys", reg(0, "WS1", `C:\Windows\explorer.exe`,
			`HKCU\Software\Microsoft\Windows\CurrentVersion\Explorer\RecentDocs`, "MRUListEx", "0x0001")},
		{"registry approved server", reg(0, "WS1", `C:\Windows\system32\svchost.exe`, tcpipIface, "DhcpNameServer", "192.168.1.1 10.0.0.1")},
		{"process without dns command", proc(0, "WS1", `C:\Windows\System32\svchost.exe`, `NT AUTHORITY\SYSTEM`,
			`C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`)},
		{"dns with nothing tracked", dnsTo(0, "WS1", "203.0.113.5")},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			d, err := New(DefaultConfig(), Deps{Catalogue: testCatalogue(b)})
			if err != nil {
				b.Fatal(err)
			}
			emit := func(*alert.Alert) { b.Fatal("unexpected alert") }
			ev := c.ev
			b.ReportAllocs()
			for b.Loop() {
				d.Observe(&ev, emit)
			}
		})
	}
}
