package dnstap

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"path/filepath"
	"testing"

	dt "github.com/dnstap/golang-dnstap"
	framestream "github.com/farsightsec/golang-framestream"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// labFrames returns the data frames of the corp lab's unbound dnstap file,
// those of type typ only when typ is not 0.
func labFrames(t testing.TB, typ dt.Message_Type) [][]byte {
	t.Helper()
	raw := labFile(t, "corp")
	d, err := New(bytes.NewReader(raw), testOpts("corp"))
	if err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	var ev event.Event
	for {
		err := d.Next(&ev)
		if err == io.EOF {
			return frames
		}
		if err != nil {
			t.Fatal(err)
		}
		if typ == 0 || d.MessageType() == typ {
			off := ev.Source.Offset
			n := int64(binary.BigEndian.Uint32(raw[off:]))
			frames = append(frames, raw[off+4:off+4+n])
		}
	}
}

// BenchmarkDecode decodes the corp lab's unbound dnstap file (2016 frames of
// client, resolver and forwarder queries and responses) over and over, and a
// file of its 879 CLIENT_QUERY frames only.
func BenchmarkDecode(b *testing.B) {
	all := labFrames(b, 0)
	queries := labFrames(b, dt.Message_CLIENT_QUERY)
	for _, tc := range []struct {
		name       string
		frames     [][]byte
		headerOnly bool
	}{
		{"records", all, false},
		{"header-only", all, true},
		{"client-queries", queries, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			raw := stream(ContentType, true, tc.frames...)
			o := testOpts("corp")
			o.HeaderOnly = tc.headerOnly
			r := bytes.NewReader(raw)
			d, err := New(r, o)
			if err != nil {
				b.Fatal(err)
			}
			var ev event.Event
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)) / int64(len(tc.frames)))
			b.ResetTimer()
			for b.Loop() {
				err := d.Next(&ev)
				if err == io.EOF {
					b.StopTimer()
					r.Reset(raw)
					if d, err = New(r, o); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					err = d.Next(&ev)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}

// copyOut is the Out of BenchmarkServerUnix: it copies each event, as the
// pipeline's Out does, into one reused event and arena, and reports on
// done once it has flushed want events.
type copyOut struct {
	dst   event.Event
	arena []byte
	n     int
	want  int
	done  chan struct{}
}

func (o *copyOut) Event(ev *event.Event) {
	o.arena = ev.CopyTo(&o.dst, o.arena)
	o.n++
}

func (o *copyOut) Flush() {
	if o.n == o.want && o.done != nil {
		close(o.done)
		o.done = nil
	}
}

func (o *copyOut) Error(err error)     { panic(err) }
func (o *copyOut) Mark(input.Position) { o.Flush() }
func (o *copyOut) Fork() input.Out     { return o }
func (o *copyOut) Close()              { o.Flush() }

// BenchmarkServerUnix pushes b.N dnstap frames through one bidirectional
// unix-socket connection into a Listener whose Out copies each event, and
// reports frames per second. The sender writes pre-encoded frames in 1 MiB
// chunks, so the cost measured is the receiver's: reading the socket,
// framing, the protobuf walk, DNS decoding and the copy. Run it on one core
// with at least a million frames:
//
//	go test -run X -bench ServerUnix -benchmem -cpu 1 -benchtime 2000000x ./internal/input/dnstap/
func BenchmarkServerUnix(b *testing.B) {
	for _, tc := range []struct {
		name string
		typ  dt.Message_Type
	}{{"client-queries", dt.Message_CLIENT_QUERY}, {"mixed", 0}} {
		b.Run(tc.name, func(b *testing.B) {
			chunk, ends := frameChunk(labFrames(b, tc.typ), 1<<20)
			cfg := DefaultConfig()
			cfg.Socket = filepath.Join(b.TempDir(), "dnstap.sock")
			l, err := Listen(cfg, testOpts(""))
			if err != nil {
				b.Fatal(err)
			}
			out := &copyOut{want: b.N, done: make(chan struct{})}
			done := out.done
			ctx, cancel := context.WithCancel(context.Background())
			ran := make(chan error, 1)
			go func() { ran <- l.Run(ctx, out) }()
			c, err := net.Dial("unix", cfg.Socket)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := framestream.NewWriter(c, &framestream.WriterOptions{
				ContentTypes: [][]byte{[]byte(ContentType)}, Bidirectional: true,
			}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(chunk) / len(ends)))
			b.ResetTimer()
			for left := b.N; left > 0; left -= len(ends) {
				end := len(chunk)
				if left < len(ends) {
					end = ends[left-1]
				}
				if _, err := c.Write(chunk[:end]); err != nil {
					b.Fatal(err)
				}
			}
			<-done
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
			c.Close()
			cancel()
			if err := <-ran; err != nil {
				b.Fatal(err)
			}
		})
	}
}

// frameChunk encodes frames (repeated) as Frame Streams data frames into
// about size bytes; ends[i] is the end of the (i+1)-th frame.
func frameChunk(frames [][]byte, size int) ([]byte, []int) {
	var chunk []byte
	var ends []int
	for i := 0; len(chunk) < size; i++ {
		f := frames[i%len(frames)]
		chunk = binary.BigEndian.AppendUint32(chunk, uint32(len(f)))
		chunk = append(chunk, f...)
		ends = append(ends, len(chunk))
	}
	return chunk, ends
}
