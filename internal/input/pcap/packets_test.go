package pcap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/pcap/pcapgen"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// captured is one frame of a replay.
type captured struct {
	data []byte // nil: the reader reports errQuiet instead of a frame
	ts   time.Time
	wire int
}

// errQuiet is the replay's marker for "no packet came".
var errQuiet = errors.New("no packet within the poll timeout")

// replay is a PacketReader over frames held in memory.
type replay struct {
	frames []captured
	i      int
}

func (r *replay) ReadPacket() ([]byte, time.Time, int, error) {
	if r.i == len(r.frames) {
		return nil, time.Time{}, 0, io.EOF
	}
	f := r.frames[r.i]
	r.i++
	if f.data == nil {
		return nil, time.Time{}, 0, errQuiet
	}
	return f.data, f.ts, f.wire, nil
}

// loadFrames reads every record of a capture with the file decoder's own
// reader, copying the data. ok is false when the file cannot be replayed
// exactly (not a capture, a damaged record, several link types).
func loadFrames(t testing.TB, file []byte) (frames []captured, link layers.LinkType, ok bool) {
	t.Helper()
	src, err := openSource(bytes.NewReader(file))
	if err != nil {
		return nil, 0, false
	}
	for {
		rec, err := src.read()
		switch {
		case err == io.EOF:
			return frames, src.link, true
		case err != nil:
			return nil, 0, false
		}
		frames = append(frames, captured{data: bytes.Clone(rec.data), ts: rec.time, wire: rec.wire})
	}
}

// drainPackets is drain for a Decoder over a PacketReader.
func drainPackets(t testing.TB, frames []captured, link layers.LinkType, opts input.Options) result {
	t.Helper()
	d, err := NewPackets(&replay{frames: frames}, link, opts)
	must(t, err)
	return drain(t, d, opts.Name)
}

// withoutOffsets blanks what the two paths must differ in: frames have no
// byte offset.
func withoutOffsets(r result) result {
	for i := range r.events {
		r.events[i].Offset = 0
	}
	for i, e := range r.errs {
		r.errs[i], _, _ = strings.Cut(e, " @")
	}
	return r
}

// TestPacketsMatchFile decodes captures through Open and through NewPackets
// over the same frames: events, record errors and counters must be the same
// but for offsets.
func TestPacketsMatchFile(t *testing.T) {
	var gen bytes.Buffer
	must(t, pcapgen.Write(&gen, pcapgen.Config{Pairs: 500, Answers: 2}))
	files := map[string][]byte{"generated": gen.Bytes()}
	for _, rel := range []string{"bypass/lan.pcap", "corp/lan.pcap"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "lab", rel))
		must(t, err)
		files["lab/"+rel] = b
	}
	root := testutil.SharedData(t, "zeek-btest-dns/traces")
	must(t, filepath.WalkDir(root, func(p string, _ os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".pcap") {
			rel, _ := filepath.Rel(root, p)
			files["zeek/"+rel], err = os.ReadFile(p)
		}
		return err
	}))
	for name, file := range files {
		t.Run(name, func(t *testing.T) {
			frames, link, ok := loadFrames(t, file)
			if !ok {
				t.Skip("capture cannot be replayed frame by frame")
			}
			opts := input.Options{Name: name}
			want := withoutOffsets(decodeBytes(t, file, opts))
			got := withoutOffsets(drainPackets(t, frames, link, opts))
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(result{})); diff != "" {
				t.Errorf("packets path differs from file path (-file +packets):\n%s", diff)
			}
		})
	}
}

// nextOrErr calls Next and returns the event's view or the error text.
func nextOrErr(d *Decoder) string {
	var ev event.Event
	if err := d.Next(&ev); err != nil {
		return "error: " + err.Error()
	}
	v := viewOf(&ev)
	return fmt.Sprintf("%s %s query=%v response=%v at=%v", v.Kind, v.QName, v.Query, v.Response, v.At)
}

// TestIdle checks that a query left unanswered on a quiet interface comes
// out once Idle moves the clock past its pair timeout, and not before.
func TestIdle(t *testing.T) {
	q := udpFrame(t, 0, 4000, true, 1, "lost.example.")
	q2 := udpFrame(t, ms(100), 4001, true, 2, "answered.example.")
	r2 := udpFrame(t, ms(150), 4001, false, 2, "answered.example.")
	frames := []captured{
		{data: q.data, ts: t0, wire: len(q.data)},
		{data: q2.data, ts: t0.Add(q2.at), wire: len(q2.data)},
		{data: r2.data, ts: t0.Add(r2.at), wire: len(r2.data)},
		{}, {}, {}, {},
	}
	d, err := NewPackets(&replay{frames: frames}, layers.LinkTypeEthernet, input.Options{Name: "lo", PairTimeout: time.Second})
	must(t, err)
	quiet := "error: " + errQuiet.Error()
	steps := []struct {
		name string
		idle time.Duration // Idle(t0+idle) before Next; 0: no Idle
		want string
	}{
		{"paired exchange", 0, "dns answered.example query=true response=true at=100ms"},
		{"nothing came", 0, quiet},
		{"clock before the deadline", ms(900), quiet},
		{"clock earlier than the last packet is ignored", ms(50), quiet},
		{"clock past the deadline", ms(1001), "dns lost.example query=true response=false at=0s"},
		{"quiet again", 0, quiet},
		{"end", 0, "error: EOF"},
	}
	for _, s := range steps {
		if s.idle > 0 {
			d.Idle(t0.Add(s.idle))
		}
		if got := nextOrErr(d); got != s.want {
			t.Errorf("%s: Next = %q, want %q", s.name, got, s.want)
		}
	}
	counts := map[string]int64{}
	for _, c := range d.Counts() {
		counts[c.Name] = c.Value
	}
	if counts["packets"] != 3 || counts["unanswered queries"] != 1 || counts["paired exchanges"] != 1 {
		t.Errorf("counts = %v", counts)
	}
}

// TestNewPacketsErrors checks the constructor and the reader errors Next
// passes through.
func TestNewPacketsErrors(t *testing.T) {
	if _, err := NewPackets(&replay{}, layers.LinkType(147), input.Options{}); err == nil {
		t.Error("NewPackets accepted an unsupported link type")
	}
	broken := errors.New("interface went down")
	d, err := NewPackets(readerFunc(func() ([]byte, time.Time, int, error) {
		return nil, time.Time{}, 0, broken
	}), layers.LinkTypeRaw, input.Options{Name: "tun0"})
	must(t, err)
	var ev event.Event
	for range 2 {
		if err := d.Next(&ev); !errors.Is(err, broken) {
			t.Fatalf("Next = %v, want the reader's error", err)
		}
	}
}

type readerFunc func() ([]byte, time.Time, int, error)

func (f readerFunc) ReadPacket() ([]byte, time.Time, int, error) { return f() }

// TestPacketsSteadyStateAllocs is TestSteadyStateAllocs over a PacketReader.
func TestPacketsSteadyStateAllocs(t *testing.T) {
	var buf bytes.Buffer
	must(t, pcapgen.Write(&buf, pcapgen.Config{Pairs: 3000, Answers: 2,
		Names: []string{"a.example.com", "b.example.com", "c.example.org"}}))
	frames, link, ok := loadFrames(t, buf.Bytes())
	if !ok {
		t.Fatal("generated capture cannot be replayed")
	}
	d, err := NewPackets(&replay{frames: frames}, link, input.Options{Name: "steady"})
	must(t, err)
	var ev event.Event
	for range 1000 {
		must(t, d.Next(&ev))
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if err := d.Next(&ev); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.2f allocations per event, want 0", allocs)
	}
}

// labRepeats is how many times the benchmark's replay holds the lab
// capture, so that reopening a decoder at its end costs little per packet.
const labRepeats = 40

// labReplay returns the bypass lab capture repeated labRepeats times, each
// copy shifted in time past the previous one (plus a minute, so nothing
// pairs across copies): as a pcap file and as frames.
func labReplay(b *testing.B) (file []byte, frames []captured, link layers.LinkType) {
	lab, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "lab", "bypass", "lan.pcap"))
	must(b, err)
	one, link, ok := loadFrames(b, lab)
	if !ok || len(one) == 0 {
		b.Fatal("lab capture cannot be replayed")
	}
	span := one[len(one)-1].ts.Sub(one[0].ts) + time.Minute
	var buf bytes.Buffer
	w := pcapgo.NewWriterNanos(&buf)
	must(b, w.WriteFileHeader(262144, link))
	for i := range labRepeats {
		for _, f := range one {
			f.ts = f.ts.Add(time.Duration(i) * span)
			frames = append(frames, f)
			must(b, w.WritePacket(gopacket.CaptureInfo{Timestamp: f.ts, CaptureLength: len(f.data), Length: f.wire}, f.data))
		}
	}
	return buf.Bytes(), frames, link
}

// BenchmarkLabReplay decodes the bypass lab capture (real traffic of real
// DNS software: UDP and TCP, queries, responses, unanswered queries),
// repeated labRepeats times, once from a pcap file in memory and once
// replayed frame by frame through NewPackets, the path of a live capture.
// One op is one Next call; pkts/s and ns/pkt are per packet of the capture
// over the time of all ops.
func BenchmarkLabReplay(b *testing.B) {
	file, frames, link := labReplay(b)
	r := bytes.NewReader(file)
	rp := &replay{frames: frames}
	open := map[string]func() *Decoder{
		"file": func() *Decoder {
			r.Reset(file)
			d, err := Open(r, input.Options{Name: "lan.pcap"})
			must(b, err)
			return d
		},
		"packets": func() *Decoder {
			rp.i = 0
			d, err := NewPackets(rp, link, input.Options{Name: "lan.pcap"})
			must(b, err)
			return d
		},
	}
	for _, path := range []string{"file", "packets"} {
		b.Run(path, func(b *testing.B) {
			d := open[path]()
			var ev event.Event
			var packets int64
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				err := d.Next(&ev)
				if err == io.EOF {
					packets += int64(len(frames))
					d = open[path]()
					err = d.Next(&ev)
				}
				if err != nil && !input.IsRecordError(err) {
					b.Fatal(err)
				}
			}
			packets += d.cnt.packets
			b.ReportMetric(float64(packets)/b.Elapsed().Seconds(), "pkts/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(packets), "ns/pkt")
		})
	}
}
