package eve

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// FuzzEVE feeds arbitrary bytes to the decoder: it must never panic, every
// error must be a RecordError or io.EOF, and every event must be a DNS event
// with a query or a response.
func FuzzEVE(f *testing.F) {
	for _, s := range []string{v2Query, v2Answer, v3Response, v3Request, grouped, flowLine} {
		f.Add([]byte(s + "\n"))
	}
	if dir, ok := testutil.SharedDir(); ok {
		if fh, err := os.Open(dir + "/data/suricata-eve-zeus-lab/eve.json"); err == nil {
			sc := bufio.NewScanner(fh)
			sc.Buffer(nil, 1<<20)
			for n := 0; sc.Scan() && n < 20; n++ {
				f.Add(bytes.Clone(sc.Bytes()))
			}
			fh.Close()
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := New(bytes.NewReader(data), input.Options{Name: "fuzz", MaxLineBytes: 1 << 16})
		var ev event.Event
		for range 10000 {
			err := d.Next(&ev)
			if err == io.EOF {
				return
			}
			var re *input.RecordError
			if err != nil && !errors.As(err, &re) {
				t.Fatalf("non-record error: %v", err)
			}
			if err == nil && (ev.Kind != event.KindDNS || ev.DNS.HasQuery == ev.DNS.HasResponse) {
				t.Fatalf("bad event: %+v", ev)
			}
		}
	})
}
