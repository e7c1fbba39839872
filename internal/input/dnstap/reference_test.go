package dnstap

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	dt "github.com/dnstap/golang-dnstap"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/proto"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

// referenceMessage decodes frame the way the decoder did before the
// protowire walk: google.golang.org/protobuf into golang-dnstap's generated
// types, converted field by field into a message. It is the reference the
// walk is compared with.
func referenceMessage(frame []byte) (message, error) {
	var tap dt.Dnstap
	if err := (proto.UnmarshalOptions{AllowPartial: true}).Unmarshal(frame, &tap); err != nil {
		return message{}, err
	}
	m := message{identity: tap.Identity}
	if tap.Type != nil {
		m.tapType = int32(*tap.Type)
	}
	msg := tap.Message
	if msg == nil {
		return m, nil
	}
	m.hasMessage = true
	if msg.Type != nil {
		m.typ = int32(*msg.Type)
	}
	if msg.SocketProtocol != nil {
		m.protocol = int32(*msg.SocketProtocol)
	}
	m.queryAddr, m.respAddr = msg.QueryAddress, msg.ResponseAddress
	m.queryPort, m.respPort = msg.GetQueryPort(), msg.GetResponsePort()
	m.query, m.response = msg.QueryMessage, msg.ResponseMessage
	m.queryNsec, m.respNsec = msg.GetQueryTimeNsec(), msg.GetResponseTimeNsec()
	if msg.QueryTimeSec != nil {
		m.queryTimeSec, m.has = *msg.QueryTimeSec, m.has|hasQueryTime
	}
	if msg.ResponseTimeSec != nil {
		m.respTimeSec, m.has = *msg.ResponseTimeSec, m.has|hasRespTime
	}
	return m, nil
}

// outcome is what decoding one frame gave, in comparable form.
type outcome struct {
	Message message
	Event   bool
	Err     string
	Dump    string // the event, printed
	Type    dt.Message_Type
	Ident   string
}

// decodeWalk decodes frame with the walk (mapper.decode).
func decodeWalk(m *mapper, frame []byte) outcome {
	var ev event.Event
	ok, err := m.decode(frame, &ev)
	return outcomeOf(m, m.msg, ok, err, &ev)
}

// decodeReference decodes frame with referenceMessage and the same mapping,
// following mapper.decode's steps.
func decodeReference(m *mapper, frame []byte) (outcome, error) {
	msg, err := referenceMessage(frame)
	if err != nil {
		return outcome{}, err
	}
	var ev event.Event
	ev.Reset()
	ok := msg.tapType == tapMessage
	if ok {
		if err = m.fill(&ev, &msg); err == errNoPayload {
			ok, err = false, nil
		}
		ok = ok && err == nil
	}
	return outcomeOf(m, msg, ok, err, &ev), nil
}

func outcomeOf(m *mapper, msg message, ok bool, err error, ev *event.Event) outcome {
	o := outcome{Message: msg, Event: ok}
	if err != nil {
		o.Err = reasonOf(err) + ": " + err.Error()
	}
	if ok {
		o.Dump, o.Type, o.Ident = fmt.Sprintf("%+v", *ev), m.typ, m.identity
	}
	return o
}

var outcomeOpts = cmp.Options{cmp.AllowUnexported(message{}), cmpopts.EquateEmpty()}

// compareFrame decodes frame both ways and reports any difference. It
// returns false when the reference rejects the frame.
func compareFrame(t testing.TB, name string, frame []byte) bool {
	t.Helper()
	var mw, mr mapper
	want, err := decodeReference(&mr, frame)
	got := decodeWalk(&mw, frame)
	if err != nil {
		return false
	}
	if diff := cmp.Diff(want, got, outcomeOpts); diff != "" {
		t.Errorf("%s: walk differs from proto.Unmarshal (-reference +walk):\n%s", name, diff)
	}
	return true
}

// dataFrames returns the data frames of a Frame Streams file.
func dataFrames(t testing.TB, raw []byte) [][]byte {
	t.Helper()
	var f frameReader
	if err := f.open(bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	for {
		frame, ctl, _, err := f.next()
		switch {
		case err == io.EOF:
			return frames
		case err != nil:
			t.Fatal(err)
		case frame == nil && ctl == 3:
			return frames
		case frame != nil:
			frames = append(frames, bytes.Clone(frame))
		}
	}
}

// TestWalkMatchesReference decodes every frame of the lab files and of
// BIND's dnstap test files with the protowire walk and with
// proto.Unmarshal into the generated types, and compares the messages, the
// events and the errors.
func TestWalkMatchesReference(t *testing.T) {
	files := map[string][][]byte{}
	labs, _ := filepath.Glob(filepath.Join(testutil.RepoRoot(), "testdata", "lab", "*", "resolver.dnstap"))
	for _, p := range labs {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(filepath.Dir(p))] = dataFrames(t, raw)
	}
	dir := filepath.Dir(testutil.SharedData(t, "bind9-dnstap/dnstap.saved"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		switch {
		case err != nil:
			t.Fatal(err)
		case Sniff(raw):
			files["bind9/"+e.Name()] = dataFrames(t, raw)
		case filepath.Ext(e.Name()) == ".dnstap":
			files["bind9/"+e.Name()] = [][]byte{raw} // one unframed message
		}
	}
	if len(files) < 8 {
		t.Fatalf("found %d files, want the lab and bind9 files", len(files))
	}
	for name, frames := range files {
		t.Run(name, func(t *testing.T) {
			if len(frames) == 0 {
				t.Fatal("no frames")
			}
			for i, f := range frames {
				if !compareFrame(t, fmt.Sprintf("frame %d", i), f) {
					t.Errorf("frame %d: the reference rejects it", i)
				}
			}
		})
	}
}

// TestWalkEdges compares the walk with the reference on hand-made frames
// that exercise protobuf's rules: unknown and newer fields, repeated and
// merged fields, wrong wire types, enum values outside the schema, and
// damaged encodings.
func TestWalkEdges(t *testing.T) {
	good := msgSpec{typ: dt.Message_CLIENT_RESPONSE, identity: "res", proto: dt.SocketProtocol_TCP, qaddr: "10.0.0.1:1000",
		raddr: "10.0.0.53:53", qtime: t0, rtime: t0.Add(3), dnsMsg: answer("a.example", 1, 0, "a.example. 60 IN A 192.0.2.1")}.build(t)
	inner := func(b []byte) []byte { // the Message bytes of a frame built by msgSpec
		var tap dt.Dnstap
		if err := proto.Unmarshal(b, &tap); err != nil {
			t.Fatal(err)
		}
		out, err := proto.Marshal(tap.Message)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	msg := inner(good)
	tag := func(b []byte, num, typ int) []byte { return appendVarint(b, uint64(num<<3|typ)) }
	wrap := func(message []byte, extra ...byte) []byte { // a Dnstap frame around message
		b := tag(nil, fieldTapType, 0)
		b = append(b, 1)
		b = tag(b, fieldTapMessage, 2)
		b = appendVarint(b, uint64(len(message)))
		return append(append(b, message...), extra...)
	}
	withField := func(b []byte, num, typ int, value ...byte) []byte {
		return append(tag(bytes.Clone(b), num, typ), value...)
	}
	tests := []struct {
		name   string
		frame  []byte
		reject bool // the reference rejects it
	}{
		{"well formed", good, false},
		{"rebuilt around the message", wrap(msg), false},
		{"newer message fields: policy and http_protocol", wrap(withField(withField(msg, 15, 2, 2, 8, 1), 16, 0, 2)), false},
		{"newer socket protocol DoQ", wrap(withField(msg, fieldProtocol, 0, 7)), false},
		{"unknown dnstap field, fixed64", withField(good, 20, 1, 1, 2, 3, 4, 5, 6, 7, 8), false},
		{"unknown group", withField(withField(good, 21, 3, 8, 1), 21, 4), false},
		{"message type repeated, last wins", wrap(withField(msg, fieldType, 0, 5)), false},
		{"message type outside the enum", wrap(withField(msg, fieldType, 0, 0xff, 1)), false},
		{"message type as bytes is unknown", wrap(withField(msg, fieldType, 2, 1, 7)), false},
		{"dnstap type 2", withField(good, fieldTapType, 0, 2), false},
		{"message field twice merges", append(wrap(msg), wrap(withField(nil, fieldQueryPort, 0, 0x7f))[2:]...), false},
		{"port above 65535", wrap(withField(msg, fieldQueryPort, 0, 0xff, 0xff, 0x7f)), false},
		{"port as a 64-bit varint", wrap(withField(msg, fieldRespPort, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 1)), false},
		{"nanoseconds as varint are unknown", wrap(withField(msg, fieldQueryNsec, 0, 5)), false},
		{"empty message", wrap(nil), false},
		{"no message", withField(nil, fieldTapType, 0, 1), false},
		{"empty frame", nil, false},
		{"identity as varint", withField(good, fieldIdentity, 0, 1), false},
		{"truncated length", good[:len(good)-1], true},
		{"length past the end", wrap(msg)[:10], true},
		{"field number zero", withField(good, 0, 0, 1), true},
		{"end group without start", withField(good, 22, 4), true},
		{"reserved wire type", withField(good, 23, 6, 1), true},
		{"overlong varint", withField(good, 24, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1), true},
		{"damage inside the message", wrap(withField(msg, 30, 7)), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if accepted := compareFrame(t, tc.name, tc.frame); accepted == tc.reject {
				t.Fatalf("reference accepts = %v, want %v", accepted, !tc.reject)
			}
			if tc.reject {
				var m mapper
				if got := decodeWalk(&m, tc.frame); got.Event || got.Err == "" {
					t.Errorf("walk accepts a frame the reference rejects: %+v", got)
				}
			}
		})
	}
}

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// TestDecodeAllocs checks that decoding a query frame and a response frame
// does not allocate once the buffers are warm.
func TestDecodeAllocs(t *testing.T) {
	for _, typ := range []dt.Message_Type{dt.Message_CLIENT_QUERY, dt.Message_RESOLVER_RESPONSE} {
		frames := labFrames(t, typ)
		var m mapper
		var ev event.Event
		i := 0
		allocs := testing.AllocsPerRun(1000, func() {
			if ok, err := m.decode(frames[i%len(frames)], &ev); !ok || err != nil {
				t.Fatalf("decode = %v, %v", ok, err)
			}
			i++
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per frame, want 0", typ, allocs)
		}
	}
}
