package sysmon

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// loopReader yields body over and over, so a benchmark can decode any
// number of records from one decoder without allocating.
type loopReader struct {
	body []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], l.body[l.off:])
		n += c
		l.off = (l.off + c) % len(l.body)
	}
	return n, nil
}

// synthFlat makes n flat Sysmon JSON lines: EID 22 with answers and CNAMEs,
// EID 3 and EID 13, shaped like the OTRF exports (including Message).
func synthFlat(n int) []byte {
	rng := rand.New(rand.NewPCG(5, 5))
	var b bytes.Buffer
	for i := range n {
		ts := fmt.Sprintf("2024-05-01 10:%02d:%02d.%03d", i/3600%60, i/60%60, rng.IntN(1000))
		switch rng.IntN(4) {
		case 0, 1:
			fmt.Fprintf(&b, `{"@timestamp":"2024-05-01T10:00:00.000Z","TimeCreated":"2024-05-01T10:00:00.000Z","QueryName":"host%d.svc%d.example%d.com","UtcTime":"%s","Image":"C:\\Windows\\System32\\svchost.exe","Channel":"Microsoft-Windows-Sysmon/Operational","Task":"22","RuleName":"-","QueryStatus":"0","SourceName":"Microsoft-Windows-Sysmon","Hostname":"WS%d.corp.example","QueryResults":"type:  5 edge%d.cdn.example.net;::ffff:203.0.113.%d;","ProcessId":"%d","EventID":22,"Message":"Dns query:\r\nRuleName: -\r\nUtcTime: %s"}`+"\n",
				rng.IntN(500), rng.IntN(20), rng.IntN(50), ts, rng.IntN(100), rng.IntN(100), rng.IntN(256), 1000+rng.IntN(9000), ts)
		case 2:
			fmt.Fprintf(&b, `{"Protocol":"tcp","DestinationIp":"198.51.100.%d","Initiated":"true","SourcePort":"%d","User":"CORP\\u%d","SourceName":"Microsoft-Windows-Sysmon","UtcTime":"%s","SourceIp":"10.1.%d.%d","DestinationPort":"443","ProcessId":"%d","TimeCreated":"2024-05-01T10:00:00.000Z","Image":"C:\\Program Files\\app.exe","Hostname":"WS1","Channel":"Microsoft-Windows-Sysmon/Operational","EventID":3}`+"\n",
				rng.IntN(256), 1024+rng.IntN(60000), rng.IntN(50), ts, rng.IntN(256), rng.IntN(256), 1000+rng.IntN(9000))
		default:
			fmt.Fprintf(&b, `{"UtcTime":"%s","Image":"C:\\windows\\Explorer.EXE","Channel":"Microsoft-Windows-Sysmon/Operational","SourceName":"Microsoft-Windows-Sysmon","Hostname":"WS1","Details":"DWORD (0x%08x)","ProcessId":"1072","EventType":"SetValue","EventID":13,"TargetObject":"HKU\\S-1-5-21\\Software\\Microsoft\\Key%d\\Value"}`+"\n",
				ts, rng.Uint32(), rng.IntN(1000))
		}
	}
	return b.Bytes()
}

func BenchmarkDecodeJSON(b *testing.B) {
	body := synthFlat(20000)
	d := NewJSON(&loopReader{body: body}, opts("bench.json"))
	var ev event.Event
	b.SetBytes(int64(len(body) / 20000))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := d.Next(&ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDecodeEVTX decodes a whole EVTX-ATTACK-SAMPLES file per
// iteration and reports records (all IDs) per second.
func BenchmarkDecodeEVTX(b *testing.B) {
	data := sharedHead("evtx-attack-samples/tunna_iis_rdp_smb_tunneling_sysmon_3.evtx", 1<<30)
	if data == nil {
		b.Skip("shared data folder not found")
	}
	var ev event.Event
	var records int64
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		d, err := OpenEVTX(bytes.NewReader(data), opts("bench.evtx"))
		if err != nil {
			b.Fatal(err)
		}
		for {
			err := d.Next(&ev)
			if err == io.EOF {
				break
			}
			if err != nil && !input.IsRecordError(err) {
				b.Fatal(err)
			}
		}
		records += d.recordsAll
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkDecodeXML(b *testing.B) {
	x := fixture(b, "events.xml")
	d := NewXML(&loopReader{body: x}, opts("bench.xml"))
	var ev event.Event
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := d.Next(&ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
