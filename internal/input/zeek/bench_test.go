package zeek

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/event"
)

// loopReader yields head once, then body over and over, so a benchmark can
// decode any number of records from one decoder without allocating.
type loopReader struct {
	head, body []byte
	off        int
}

func (l *loopReader) Read(p []byte) (int, error) {
	if len(l.head) > 0 {
		n := copy(p, l.head)
		l.head = l.head[n:]
		return n, nil
	}
	n := 0
	for n < len(p) {
		c := copy(p[n:], l.body[l.off:])
		n += c
		l.off = (l.off + c) % len(l.body)
	}
	return n, nil
}

// splitHeader returns the leading '#' lines of a log and the data lines
// (without any later header lines such as #close).
func splitHeader(b []byte) (head, body []byte) {
	for len(b) > 0 {
		line, rest, _ := bytes.Cut(b, []byte{'\n'})
		if len(line) > 0 && line[0] == '#' {
			if len(body) == 0 {
				head = append(head, line...)
				head = append(head, '\n')
			}
		} else if len(line) > 0 {
			body = append(body, line...)
			body = append(body, '\n')
		}
		b = rest
	}
	return head, body
}

// synthDNS makes n dns.log records shaped like real traffic: a mix of A and
// AAAA lookups with CNAME chains, NXDOMAIN, unanswered queries and TXT.
func synthDNS(n int, jsonLines bool) []byte {
	rng := rand.New(rand.NewPCG(7, 7))
	var b bytes.Buffer
	if !jsonLines {
		b.WriteString(dnsHeader())
	}
	for i := range n {
		ts := 1714557600 + i/50
		usec := rng.IntN(1_000_000)
		client := fmt.Sprintf("10.%d.%d.%d", rng.IntN(4), rng.IntN(256), 1+rng.IntN(250))
		name := fmt.Sprintf("host%d.svc%d.example%d.com", rng.IntN(500), rng.IntN(20), rng.IntN(50))
		qtype, rcode, rtt, answers, ttls := 1, "0", "0.000870", "", ""
		switch k := rng.IntN(10); {
		case k < 5:
			answers = fmt.Sprintf("edge%d.cdn.example.net,203.0.113.%d", rng.IntN(100), rng.IntN(256))
			ttls = "300.000000,60.000000"
		case k < 7:
			qtype, answers, ttls = 28, fmt.Sprintf("2001:db8:%x::%x", rng.IntN(65536), rng.IntN(65536)), "120.000000"
		case k < 8:
			rcode, rtt = "3", "0.012000"
		case k < 9:
			rcode, rtt = "-", "-"
		default:
			qtype, answers, ttls = 16, "TXT 20 v=spf1 include:x -all", "3600.000000"
		}
		id := rng.IntN(65536)
		if jsonLines {
			fmt.Fprintf(&b, `{"_path":"dns","ts":%d.%06d,"uid":"C%08x","id.orig_h":"%s","id.orig_p":%d,"id.resp_h":"10.0.0.100","id.resp_p":53,"proto":"udp","trans_id":%d,`,
				ts, usec, rng.Uint32(), client, 1024+rng.IntN(60000), id)
			if rtt != "-" {
				fmt.Fprintf(&b, `"rtt":%s,`, rtt)
			}
			fmt.Fprintf(&b, `"query":"%s","qclass":1,"qclass_name":"C_INTERNET","qtype":%d,"qtype_name":"A",`, name, qtype)
			if rcode != "-" {
				fmt.Fprintf(&b, `"rcode":%s,"rcode_name":"NOERROR",`, rcode)
			}
			b.WriteString(`"AA":false,"TC":false,"RD":true,"RA":true,"Z":0,`)
			if answers != "" {
				fmt.Fprintf(&b, `"answers":["%s"],"TTLs":[%s],`, bytes.ReplaceAll([]byte(answers), []byte(","), []byte(`","`)), ttls)
			}
			b.WriteString(`"rejected":false}` + "\n")
			continue
		}
		if answers == "" {
			answers, ttls = "-", "-"
		}
		fmt.Fprintf(&b, "%d.%06d\tC%08x\t%s\t%d\t10.0.0.100\t53\tudp\t%d\t%s\t%s\t1\tC_INTERNET\t%d\tA\t%s\tNOERROR\tF\tF\tT\tT\t0\t%s\t%s\tF\n",
			ts, usec, rng.Uint32(), client, 1024+rng.IntN(60000), id, rtt, name, qtype, rcode, answers, ttls)
	}
	return b.Bytes()
}

// benchDecode decodes b.N records from an endless repetition of log.
func benchDecode(b *testing.B, log []byte) {
	head, body := splitHeader(log)
	d := New(&loopReader{head: head, body: body}, opts("bench.log"))
	var ev event.Event
	b.SetBytes(int64(len(body)) / int64(max(1, bytes.Count(body, []byte{'\n'}))))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := d.Next(&ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkDecodeTSV(b *testing.B) {
	benchDecode(b, synthDNS(20000, false))
}

func BenchmarkDecodeJSON(b *testing.B) {
	benchDecode(b, synthDNS(20000, true))
}

func BenchmarkDecodeConnTSV(b *testing.B) {
	var log bytes.Buffer
	log.WriteString(connHead)
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range 20000 {
		fmt.Fprintf(&log, "%d.%06d\tC%08x\t10.1.%d.%d\t%d\t198.51.100.%d\t443\ttcp\tssl\t%d.%06d\t%d\t%d\tSF\tShADadFf\t%d\t%d\n",
			1714557600+i/50, rng.IntN(1_000_000), rng.Uint32(), rng.IntN(256), rng.IntN(256), 1024+rng.IntN(60000), rng.IntN(256),
			rng.IntN(100), rng.IntN(1_000_000), rng.IntN(100000), rng.IntN(1000000), rng.IntN(100), rng.IntN(100))
	}
	benchDecode(b, log.Bytes())
}

// The wrccdc2018 benchmarks replay real Zeek output (skipped when the shared
// data folder is absent).
func BenchmarkDecodeTSVWRCCDC(b *testing.B) {
	benchDecode(b, readShared(b, "zed-sample-data-wrccdc2018/zeek-default/dns.log.gz"))
}

func BenchmarkDecodeJSONWRCCDC(b *testing.B) {
	benchDecode(b, readShared(b, "zed-sample-data-wrccdc2018/zeek-json/dns.json.gz"))
}

// TestLoopReader checks the benchmark's reader, so that a broken reader
// cannot make the benchmarks look fast.
func TestLoopReader(t *testing.T) {
	l := &loopReader{head: []byte("h\n"), body: []byte("ab\n")}
	got, err := io.ReadAll(io.LimitReader(l, 11))
	if err != nil || string(got) != "h\nab\nab\nab\n" {
		t.Errorf("read %q, %v", got, err)
	}
}
