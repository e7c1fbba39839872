package components

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/input/pcap/pcapgen"
	"github.com/dnsvigil/dnsvigil/internal/pipeline"
)

type countSink struct{ n int }

func (c *countSink) Write(*alert.Alert) error { c.n++; return nil }

// benchNames are benign names the benchmark traffic asks for.
func benchNames() []string {
	names := make([]string, 2000)
	for i := range names {
		names[i] = fmt.Sprintf("host%d.site%d.example.com", i%37, i)
	}
	return names
}

// runBench runs the whole scan pipeline (decode, reorder, enrich, every
// detector) over path b.N times and reports per-record cost. Detector state
// carries over between iterations, as in a long scan: this measures the
// steady, non-alerting path.
func runBench(b *testing.B, path string, records int, unit string) {
	cfg := DefaultConfig()
	built, err := Build(cfg)
	if err != nil {
		b.Fatal(err)
	}
	sink := &countSink{}
	run := func() {
		r := &pipeline.Run{
			Opener:        &pipeline.Opener{Formats: Formats(), Options: built.Options},
			Enrichers:     built.Enrichers,
			Detectors:     built.Detectors,
			Sink:          sink,
			ReorderWindow: reorderWindow(cfg),
			ReorderMax:    cfg.Input.ReorderMax,
		}
		if err := r.Execute(pipeline.Paths(path)); err != nil {
			b.Fatal(err)
		}
		if r.FilesFailed > 0 || r.Summary.SkippedTotal() > 0 {
			b.Fatalf("input problems: %v %v", r.Summary.InputErrors, r.Summary.Skipped)
		}
	}
	run() // warm up: tables, slots, arenas
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		run()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	total := float64(b.N) * float64(records)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/"+unit)
	b.ReportMetric(total/b.Elapsed().Seconds(), unit+"s/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/"+unit)
	if sink.n > 0 {
		b.Logf("%d alerts (expected none on benign traffic)", sink.n)
	}
}

// BenchmarkPcapPipeline: 100,000 benign query/response pairs (200,000
// packets) from 1,000 workstations to the private corporate resolver.
func BenchmarkPcapPipeline(b *testing.B) {
	const pairs = 100_000
	path := filepath.Join(b.TempDir(), "bench.pcap")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	var clients []netip.Addr
	for i := range 1000 {
		clients = append(clients, netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}))
	}
	w := bufio.NewWriter(f)
	err = pcapgen.Write(w, pcapgen.Config{
		Pairs: pairs, Clients: clients, Servers: []netip.Addr{netip.MustParseAddr("10.0.0.53")},
		Names: benchNames(), QType: 1, Answers: 1,
		Start: time.Unix(1_800_000_000, 0), Interval: 10 * time.Millisecond, RTT: 2 * time.Millisecond,
	})
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		b.Fatal(err)
	}
	runBench(b, path, 2*pairs, "pkt")
}

// BenchmarkZeekPipeline: 100,000 dns.log records in Zeek TSV from 50
// workstations to the corporate resolver.
func BenchmarkZeekPipeline(b *testing.B) {
	const records = 100_000
	path := filepath.Join(b.TempDir(), "dns.log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprint(w, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n")
	fmt.Fprint(w, "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\n")
	fmt.Fprint(w, "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool\n")
	names := benchNames()
	for i := range records {
		ts := 1_800_000_000 + float64(i)*0.01
		fmt.Fprintf(w, "%.6f\tC%d\t10.1.%d.%d\t%d\t10.0.0.53\t53\tudp\t%d\t0.002000\t%s\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t192.0.2.%d\t300.000000\tF\n",
			ts, i, (i%1000)>>8, (i%1000)&255, 40000+i%20000, i%65536, names[i%len(names)], i%250)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	runBench(b, path, records, "rec")
}

func reorderWindow(cfg Config) time.Duration {
	if os.Getenv("DNSVIGIL_BENCH_NO_REORDER") != "" {
		return 0
	}
	return cfg.Input.ReorderWindow
}

// writeLines writes n generated lines after a header to a temporary file.
func writeLines(b *testing.B, name, header string, n int, line func(i int) string) string {
	path := filepath.Join(b.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(header)
	for i := range n {
		w.WriteString(line(i))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkSysmonJSONPipeline: 100,000 Winlogbeat Sysmon events (DNS
// queries, EID 22) from 1,000 workstations through every detector.
func BenchmarkSysmonJSONPipeline(b *testing.B) {
	const records = 100_000
	names := benchNames()
	path := writeLines(b, "sysmon.jsonl", "", records, func(i int) string {
		ts := time.Unix(1_800_000_000, 0).Add(time.Duration(i) * 10 * time.Millisecond).UTC()
		return fmt.Sprintf(`{"@timestamp":"%s","host":{"name":"ws-%d.corp.example"},"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","computer_name":"ws-%d.corp.example","event_id":22,"provider_name":"Microsoft-Windows-Sysmon","record_id":%d,"event_data":{"UtcTime":"%s","ProcessId":"%d","QueryName":"%s","QueryStatus":"0","QueryResults":"::ffff:192.0.2.%d;","Image":"C:\\Program Files\\App\\app%d.exe","User":"CORP\\user%d"}}}`+"\n",
			ts.Format("2006-01-02T15:04:05.000Z"), i%1000, i%1000, i, ts.Format("2006-01-02 15:04:05.000"), 1000+i%50, names[i%len(names)], i%250, i%20, i%1000)
	})
	runBench(b, path, records, "rec")
}

// BenchmarkDefenderCSVPipeline: 100,000 DeviceNetworkEvents rows (DNS
// connections to the corporate resolver) from 1,000 devices.
func BenchmarkDefenderCSVPipeline(b *testing.B) {
	const records = 100_000
	header := "Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,LocalPort,Protocol,LocalIPType,RemoteIPType,InitiatingProcessSHA1,InitiatingProcessFileName,InitiatingProcessId,InitiatingProcessCommandLine,InitiatingProcessFolderPath,InitiatingProcessParentFileName,InitiatingProcessAccountDomain,InitiatingProcessAccountName,ReportId,AppGuardContainerId,AdditionalFields\r\n"
	path := writeLines(b, "network.csv", header, records, func(i int) string {
		ts := time.Unix(1_800_000_000, 0).Add(time.Duration(i) * 10 * time.Millisecond).UTC()
		return fmt.Sprintf("%s,%040x,ws-%d.corp.example,ConnectionSuccess,10.0.0.53,53,,10.1.%d.%d,%d,Udp,Private,Private,da39a3ee5e6b4b0d3255bfef95601890afd80709,svchost.exe,%d,svchost.exe -k NetworkService,c:\\windows\\system32\\svchost.exe,services.exe,nt authority,network service,%d,,\r\n",
			ts.Format("2006-01-02T15:04:05.000Z"), i%1000, i%1000, (i%1000)>>8, (i%1000)&255, 40000+i%20000, 1000+i%50, i)
	})
	runBench(b, path, records, "rec")
}
