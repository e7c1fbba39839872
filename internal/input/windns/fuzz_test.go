package windns

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// seed adds the start of each named sample (up to 8 KiB) to f.
func seed(f *testing.F, files ...string) {
	for _, file := range files {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 8<<10)])
	}
}

// checkDecoder drains d, which reads data: it must not panic or loop, every
// error must be a RecordError naming the input and a line, and every event
// must be a DNS message with a name whose records fit the cap.
func checkDecoder(t *testing.T, d input.Decoder, data []byte) {
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
			if !errors.As(err, &re) || re.File != "fuzz" || re.Line <= 0 {
				t.Fatalf("bad error: %v", err)
			}
			continue
		}
		dns := &ev.DNS
		if ev.Kind != event.KindDNS || dns.QName == "" || !dns.HasQuery && !dns.HasResponse ||
			len(dns.Answers)+len(dns.Authority)+len(dns.Additional) > maxRecords+256 {
			t.Fatalf("bad event: %+v", ev)
		}
	}
}

func fuzzOpts() input.Options {
	o := testOpts("fuzz")
	o.MaxPending = 4
	o.MaxLineBytes = 4096
	return o
}

// FuzzDebug feeds arbitrary bytes to the debug log decoder.
func FuzzDebug(f *testing.F) {
	seed(f, "dns.log", "dns_details.log")
	f.Add([]byte(lines(pl(at, "UDP", "Rcv", "fe80::1%12", 1, false, 'Q', 0x0001, "NOERROR", "A", "(3)a\\.b(1)((0)"),
		"UDP question info at 0", "    ANSWER SECTION:", "    Offset = 0x0021, RR count = 0", `    Name      "[C00C]"`,
		"      TYPE   SOA  (6)", "      DATA   ", "                PrimaryServer: (0)")))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, o := range [...]DateOrder{DateMDY, DateDMY} {
			checkDecoder(t, NewDebug(bytes.NewReader(data), fuzzOpts(), Config{DateOrder: o}), data)
		}
		SniffDebug(data)
	})
}

// FuzzAnalyticXML feeds arbitrary bytes to the event XML decoder.
func FuzzAnalyticXML(f *testing.F) {
	seed(f, "analytical.xml")
	f.Add([]byte(xev(256, 1, "Source=::1", "XID=0x10", "QNAME=&#65;&amp;.", "PacketData=0x00")))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecoder(t, NewAnalyticXML(bytes.NewReader(data), fuzzOpts(), DefaultConfig()), data)
		SniffAnalyticXML(data)
	})
}

// FuzzAnalyticJSON feeds arbitrary bytes to the JSON decoder.
func FuzzAnalyticJSON(f *testing.F) {
	seed(f, "analytical_winlogbeat.jsonl", "analytical_flat.jsonl", "analytical_properties.json", "analytical_getwinevent.json")
	f.Add([]byte(`[{"Id":256,"Properties":[{"Value":[1,2,300]},{"Value":{"Value":"x"}}],"Message":"A: =; QNAME=\u00e9."}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecoder(t, NewAnalyticJSON(bytes.NewReader(data), fuzzOpts(), DefaultConfig()), data)
		SniffAnalyticJSON(data)
	})
}
