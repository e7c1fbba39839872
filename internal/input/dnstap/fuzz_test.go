package dnstap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/dnswire"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// firstFrames returns the START frame and the first n data frames of a
// Frame Streams file.
func firstFrames(b []byte, n int) []byte {
	off := 8 + int(binary.BigEndian.Uint32(b[4:]))
	for ; n > 0 && off+4 <= len(b); n-- {
		off += 4 + int(binary.BigEndian.Uint32(b[off:]))
	}
	return b[:min(off, len(b))]
}

// FuzzDnstap feeds arbitrary bytes to the decoder: it must not panic or
// loop, every error must be a RecordError naming the input and an offset
// inside it, and every event must be one DNS query or response.
func FuzzDnstap(f *testing.F) {
	for _, lab := range []string{"corp", "bypass"} {
		if b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "testdata", "lab", lab, "resolver.dnstap")); err == nil {
			f.Add(firstFrames(b, 6))
		}
	}
	if dir, ok := testutil.SharedDir(); ok {
		for _, name := range []string{"large-answer.fstrm", "dnstap.saved"} {
			if b, err := os.ReadFile(filepath.Join(dir, "bind9-dnstap", name)); err == nil {
				f.Add(firstFrames(b, 4))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := New(bytes.NewReader(data), testOpts("fuzz.dnstap"))
		if err != nil {
			return
		}
		var ev event.Event
		for i := 0; ; i++ {
			if i > len(data) {
				t.Fatalf("more results than input bytes")
			}
			err := d.Next(&ev)
			if err == io.EOF {
				return
			}
			if err != nil {
				var re *input.RecordError
				if !errors.As(err, &re) || re.File != "fuzz.dnstap" || re.Offset < 0 || re.Offset > int64(len(data)) {
					t.Fatalf("bad error: %v", err)
				}
				continue
			}
			n := len(ev.DNS.Answers) + len(ev.DNS.Authority) + len(ev.DNS.Additional)
			if ev.Kind != event.KindDNS || ev.DNS.HasQuery == ev.DNS.HasResponse || n > dnswire.MaxRecords ||
				ev.Source.Offset < 0 || ev.Source.Offset >= int64(len(data)) {
				t.Fatalf("bad event: %+v", ev)
			}
		}
	})
}

// FuzzWalk decodes arbitrary bytes as one dnstap frame with the protowire
// walk and with proto.Unmarshal into the generated types: the walk must not
// panic, and where the reference accepts the frame the walk must give the
// same message, event and error.
func FuzzWalk(f *testing.F) {
	if labs, err := filepath.Glob(filepath.Join(testutil.RepoRoot(), "testdata", "lab", "*", "resolver.dnstap")); err == nil {
		for _, p := range labs {
			if b, err := os.ReadFile(p); err == nil {
				for _, frame := range dataFrames(f, firstFrames(b, 8)) {
					f.Add(frame)
				}
			}
		}
	}
	if dir, ok := testutil.SharedDir(); ok {
		names, _ := filepath.Glob(filepath.Join(dir, "bind9-dnstap", "*.dnstap"))
		for _, p := range names {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		if !compareFrame(t, "fuzz", frame) {
			var m mapper
			_ = decodeWalk(&m, frame) // must not panic
		}
	})
}
