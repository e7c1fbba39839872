package dnstap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	dt "github.com/dnstap/golang-dnstap"
	"github.com/miekg/dns"
	"google.golang.org/protobuf/proto"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// row is the comparable projection of one event used by the tests.
type row struct {
	Type      string
	Time      string
	Client    string
	Server    string
	Transport string
	Host      string
	QName     string
	QType     uint16
	Flags     string
	RCode     uint16
	Query     bool
	Resp      bool
	QSize     int
	RSize     int
	Answers   []string
	Authority int
	Offset    int64
}

func project(d *Decoder, ev *event.Event) row {
	r := row{
		Type:      d.MessageType().String(),
		Time:      ev.Time.Format(time.RFC3339Nano),
		Transport: ev.Transport.String(),
		Host:      strings.Clone(ev.Host.Name),
		QName:     strings.Clone(ev.DNS.QName),
		QType:     ev.DNS.QType,
		Flags:     ev.DNS.Flags.String(),
		RCode:     ev.DNS.RCode,
		Query:     ev.DNS.HasQuery,
		Resp:      ev.DNS.HasResponse,
		QSize:     ev.DNS.QuerySize,
		RSize:     ev.DNS.ResponseSize,
		Authority: len(ev.DNS.Authority),
		Offset:    ev.Source.Offset,
	}
	if ev.Client.IsValid() {
		r.Client = ev.Client.String()
	}
	if ev.Server.IsValid() {
		r.Server = ev.Server.String()
	}
	for _, a := range ev.DNS.Answers {
		r.Answers = append(r.Answers, fmt.Sprintf("%s %d %s", a.Name, a.Type, a.Data))
	}
	return r
}

// decoded is everything one decoder produced.
type decoded struct {
	rows   []row
	errs   []*input.RecordError
	counts map[string]int64
}

// decodeAll reads r to the end, checking the decoder's invariants: every
// event is a DNS query or response, every error a RecordError naming the
// input, and the stream ends with io.EOF.
func decodeAll(t testing.TB, r io.Reader, opts input.Options) decoded {
	t.Helper()
	d, err := New(r, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var out decoded
	var ev event.Event
	for i := 0; ; i++ {
		if i > 1<<22 {
			t.Fatal("decoder does not end")
		}
		err := d.Next(&ev)
		if err == io.EOF {
			break
		}
		if err != nil {
			var re *input.RecordError
			if !errors.As(err, &re) || re.File != opts.Name || re.Offset < 0 {
				t.Fatalf("bad error: %v", err)
			}
			out.errs = append(out.errs, re)
			continue
		}
		if ev.Kind != event.KindDNS || ev.DNS.HasQuery == ev.DNS.HasResponse {
			t.Fatalf("bad event: %+v", ev)
		}
		out.rows = append(out.rows, project(d, &ev))
	}
	out.counts = map[string]int64{}
	for _, c := range d.Counts() {
		out.counts[c.Name] = c.Value
	}
	return out
}

func testOpts(name string) input.Options {
	o := input.DefaultOptions()
	o.Name = name
	return o
}

// stream builds a Frame Streams file: START with the given content type, one
// data frame per element of frames, and STOP when stop is true.
func stream(contentType string, stop bool, frames ...[]byte) []byte {
	var b []byte
	ctl := func(typ uint32, fields []byte) {
		b = binary.BigEndian.AppendUint32(b, 0)
		b = binary.BigEndian.AppendUint32(b, uint32(4+len(fields)))
		b = binary.BigEndian.AppendUint32(b, typ)
		b = append(b, fields...)
	}
	var f []byte
	f = binary.BigEndian.AppendUint32(f, 1)
	f = binary.BigEndian.AppendUint32(f, uint32(len(contentType)))
	f = append(f, contentType...)
	ctl(2, f)
	for _, fr := range frames {
		b = binary.BigEndian.AppendUint32(b, uint32(len(fr)))
		b = append(b, fr...)
	}
	if stop {
		ctl(3, nil)
	}
	return b
}

// msgSpec describes one synthetic dnstap message.
type msgSpec struct {
	typ        dt.Message_Type
	identity   string
	proto      dt.SocketProtocol
	qaddr      string // "addr:port"
	raddr      string
	qtime      time.Time
	rtime      time.Time
	dnsMsg     *dns.Msg // placed in query_message or response_message by type
	rawPayload []byte   // used instead of dnsMsg when set
	rawQAddr   []byte   // used instead of qaddr when set
}

// build marshals s as a dnstap frame.
func (s msgSpec) build(t testing.TB) []byte {
	t.Helper()
	m := &dt.Message{Type: s.typ.Enum()}
	if s.proto != 0 {
		m.SocketProtocol = s.proto.Enum()
	}
	if s.qaddr != "" {
		ap := netip.MustParseAddrPort(s.qaddr)
		m.QueryAddress, m.QueryPort = ap.Addr().AsSlice(), proto.Uint32(uint32(ap.Port()))
	}
	if s.rawQAddr != nil {
		m.QueryAddress = s.rawQAddr
	}
	if s.raddr != "" {
		ap := netip.MustParseAddrPort(s.raddr)
		m.ResponseAddress, m.ResponsePort = ap.Addr().AsSlice(), proto.Uint32(uint32(ap.Port()))
	}
	if !s.qtime.IsZero() {
		m.QueryTimeSec, m.QueryTimeNsec = proto.Uint64(uint64(s.qtime.Unix())), proto.Uint32(uint32(s.qtime.Nanosecond()))
	}
	if !s.rtime.IsZero() {
		m.ResponseTimeSec, m.ResponseTimeNsec = proto.Uint64(uint64(s.rtime.Unix())), proto.Uint32(uint32(s.rtime.Nanosecond()))
	}
	payload := s.rawPayload
	if s.dnsMsg != nil {
		var err error
		if payload, err = s.dnsMsg.Pack(); err != nil {
			t.Fatal(err)
		}
	}
	if s.typ%2 == 1 {
		m.QueryMessage = payload
	} else {
		m.ResponseMessage = payload
	}
	tap := &dt.Dnstap{Type: dt.Dnstap_MESSAGE.Enum(), Message: m}
	if s.identity != "" {
		tap.Identity = []byte(s.identity)
	}
	b, err := proto.Marshal(tap)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// query returns a DNS query for name and qtype.
func query(name string, qtype uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.Id = 0x1234
	return m
}

// answer returns a response to query(name, qtype) carrying rrs.
func answer(name string, qtype uint16, rcode int, rrs ...string) *dns.Msg {
	m := new(dns.Msg)
	m.SetRcode(query(name, qtype), rcode)
	m.RecursionAvailable = true
	for _, s := range rrs {
		rr, err := dns.NewRR(s)
		if err != nil {
			panic(err)
		}
		m.Answer = append(m.Answer, rr)
	}
	return m
}
