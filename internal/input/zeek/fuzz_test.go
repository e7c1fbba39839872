package zeek

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// seeds returns the testdata samples, a few synthetic edge cases and, when
// the shared data folder is present, the start of real Zeek logs.
func seeds(f *testing.F) [][]byte {
	var out [][]byte
	files, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	out = append(out,
		[]byte(dnsHeader()+dnsRow+"\n"+dnsRow2+"\n#close\tx\n"),
		[]byte(pipeHeader()+"#set_separator|;\n"+replaceField(dnsRow, 9, `a\x7cb`)+"\n"),
		[]byte(connHead+"1714557611.000000\tC8\t2001:db8::10\t128\t2001:db8::1\t129\ticmp\t-\t-\t-\t-\tOTH\t-\t1\t0\n"),
		[]byte(`{"@stream":"dns","ts":1714557601,"id_orig_h":"192.0.2.11","id_resp_h":"198.51.100.53","query":"a\\x00\u00e9","answers":["x",null],"TTLs":[1e2]}`+"\n"),
	)
	if dir, ok := testutil.SharedDir(); ok {
		for _, rel := range []string{
			"zed-sample-data-wrccdc2018/zeek-default/dns.log.gz",
			"zed-sample-data-wrccdc2018/zeek-json/dns.json.gz",
			"rita-test-data/proxy/conn.log",
			"otrf-security-datasets/compound/apt29/day1/zeek/individual_zeek_logs/NASHUA_dns.log",
		} {
			p := filepath.Join(dir, rel)
			if _, err := os.Stat(p); err != nil {
				continue
			}
			b := readFile(f, p)
			out = append(out, b[:min(len(b), 8<<10)])
		}
	}
	return out
}

// FuzzDecode feeds arbitrary bytes to the decoder: it must not panic or
// loop, every error must be a RecordError naming the input, and every event
// must hold together.
func FuzzDecode(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		Sniff(b[:min(len(b), 4096)])
		o := opts("fuzz.log")
		o.MaxLineBytes = 4096
		d := New(bytes.NewReader(b), o)
		var ev event.Event
		lines := bytes.Count(b, []byte{'\n'}) + 1
		for i := 0; ; i++ {
			if i > lines {
				t.Fatalf("%d results from %d lines", i, lines)
			}
			err := d.Next(&ev)
			if err == io.EOF {
				return
			}
			var re *input.RecordError
			if errors.As(err, &re) {
				if re.File != "fuzz.log" || re.Line < 1 || re.Reason == "" {
					t.Fatalf("record error without a location: %+v", re)
				}
				continue
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			checkEvent(t, &ev)
		}
	})
}

func checkEvent(t *testing.T, ev *event.Event) {
	t.Helper()
	if ev.Kind != event.KindDNS && ev.Kind != event.KindConn {
		t.Fatalf("kind %v", ev.Kind)
	}
	if !ev.Client.Addr().IsValid() || !ev.Server.Addr().IsValid() || ev.Time.IsZero() || ev.Source.Line < 1 {
		t.Fatalf("incomplete event: %+v", ev)
	}
	if ev.Kind == event.KindConn {
		return
	}
	dns := &ev.DNS
	if (dns.RCode == event.RcodeUnknown) == dns.HasResponse {
		t.Fatalf("rcode %d with HasResponse %v", dns.RCode, dns.HasResponse)
	}
	if len(dns.Answers) > maxAnswers {
		t.Fatalf("%d answers", len(dns.Answers))
	}
	// The canonical form escapes every byte outside printable ASCII (a space
	// is written "\ ").
	for _, c := range []byte(dns.QName) {
		if c < 0x20 || c > 0x7e {
			t.Fatalf("QName %q holds an unescaped byte", dns.QName)
		}
	}
}

// FuzzAppendName checks the fast path for already-canonical names against
// dnsname.AppendDotted.
func FuzzAppendName(f *testing.F) {
	for _, s := range []string{"www.example.com", "", ".", "a..b", "A.b", "x.", "_dmarc.example-1.com", "a\x00b"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, want := appendName([]byte("p"), b), dnsname.AppendDotted([]byte("p"), b)
		if !bytes.Equal(got, want) {
			t.Fatalf("appendName(%q) = %q, want %q", b, got, want)
		}
	})
}
