package querylog

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// FuzzDecode feeds arbitrary bytes to the decoder: it must not panic or
// loop, every error must be a RecordError naming the input and a line, and
// every event must be a DNS query whose answers fit the caps.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(lines(
		"Aug  9 09:06:36 dnsmasq[1]: 7 10.0.0.5/41234 query[TXT] t.example from 10.0.0.5",
		"Aug  9 09:06:36 dnsmasq[1]: 7 10.0.0.5/41234 forwarded t.example to 9.9.9.9#53",
		"Aug  9 09:06:36 dnsmasq[1]: 7 10.0.0.5/41234 reply t.example is NXDOMAIN",
	)))
	f.Add([]byte(lines(
		"Aug  9 09:06:36 host dnsmasq[1]: query[A] www.cdn.example from 10.0.0.5",
		"Aug  9 09:06:36 host dnsmasq[1]: reply www.cdn.example is <CNAME>",
		"Aug  9 09:06:36 host dnsmasq[1]: reply edge.cdn.net is 192.0.2.1",
		"Dec 31 23:59:59 dnsmasq-dhcp[1]: DHCPACK(eth0) 192.168.1.20",
		"Jan  1 00:00:00 dnsmasq[1]: query[type=65] a\\.b.example from ::1",
	)))
	if dir, ok := testutil.SharedDir(); ok {
		if b, err := os.ReadFile(dir + "/korving-iodine-dnsmasq/dnsmasq.log"); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o := testOpts("fuzz.log")
		o.MaxPending = 4
		o.MaxLineBytes = 4096
		d := New(bytes.NewReader(data), o, Config{Year: 2024})
		var ev event.Event
		for i := 0; ; i++ {
			if i > len(data)+2 {
				t.Fatalf("more results than input bytes")
			}
			err := d.Next(&ev)
			if err == io.EOF {
				return
			}
			if err != nil {
				var re *input.RecordError
				if !errors.As(err, &re) || re.File != "fuzz.log" || re.Line <= 0 {
					t.Fatalf("bad error: %v", err)
				}
				continue
			}
			if ev.Kind != event.KindDNS || !ev.DNS.HasQuery || ev.DNS.QName == "" || len(ev.DNS.Answers) > maxAnswers {
				t.Fatalf("bad event: %+v", ev)
			}
		}
	})
}
