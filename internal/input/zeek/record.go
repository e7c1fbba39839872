package zeek

import (
	"net/netip"
	"time"
	"unsafe"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// logKind is the Zeek log a record belongs to.
type logKind uint8

const (
	logNone  logKind = iota // not known yet
	logDNS                  // dns.log
	logConn                 // conn.log
	logOther                // another Zeek log: skipped
)

// presence bits of record.has: which optional values a record carried
// (a TSV value other than the unset marker, a JSON key that was not null).
const (
	hasTS uint32 = 1 << iota
	hasOrigH
	hasRespH
	hasQuery
	hasQType
	hasQClass
	hasRCode
	hasRTT
	hasRD
	// keys that identify a JSON line's log type when it has no _path
	hasDNSKey
	hasConnKey
)

// record holds the values of one line, decoded but not yet placed in an
// Event. Byte slices point into the current line or into scratch and are
// valid until the next line is read.
type record struct {
	kind         logKind
	has          uint32
	ts           time.Time
	origH, respH netip.Addr
	origP, respP uint16
	proto        []byte

	transID, qclass, qtype, rcode uint16
	opcode                        uint8
	rtt                           time.Duration
	query                         []byte
	aa, tc, rd, ra                bool
	answers                       [][]byte
	ttls                          []uint32

	service, state                           []byte
	duration                                 time.Duration
	origBytes, respBytes, origPkts, respPkts int64

	scratch []byte
}

// reset clears r for the next line, keeping slice capacity.
func (r *record) reset() {
	answers, ttls, scratch := r.answers[:0], r.ttls[:0], r.scratch[:0]
	*r = record{answers: answers, ttls: ttls, scratch: scratch}
}

// unescape returns v with Zeek escapes decoded: v itself when it has none,
// else a copy in r.scratch. Earlier results stay valid when scratch grows,
// since append never writes into the array it leaves.
func (r *record) unescape(v []byte) []byte {
	if !hasBackslash(v) {
		return v
	}
	start := len(r.scratch)
	r.scratch = appendUnescaped(r.scratch, v)
	return r.scratch[start:]
}

// fill places the decoded record in ev.
func (d *Decoder) fill(ev *event.Event) {
	r := &d.rec
	ev.Reset()
	d.strs = d.strs[:0]
	ev.Time = r.ts
	if r.origH.IsValid() {
		ev.Client = netip.AddrPortFrom(r.origH, r.origP)
	}
	if r.respH.IsValid() {
		ev.Server = netip.AddrPortFrom(r.respH, r.respP)
	}
	ev.Transport = transport(r.proto, r.respP)
	ev.Source = event.Source{Name: d.name, Line: d.lr.Line(), Offset: d.lr.Offset()}
	if r.kind == logConn {
		d.nConn++
		d.fillConn(ev)
		return
	}
	d.nDNS++
	d.fillDNS(ev)
}

func (d *Decoder) fillDNS(ev *event.Event) {
	r := &d.rec
	ev.Kind = event.KindDNS
	dns := &ev.DNS
	dns.ID = r.transID
	dns.Opcode = r.opcode
	dns.RTT = r.rtt
	dns.QType = r.qtype
	dns.QClass = r.qclass
	if r.has&hasQuery != 0 {
		start := len(d.strs)
		d.strs = appendName(d.strs, r.query)
		dns.QName = d.str(start)
	}
	dns.RCode = event.RcodeUnknown
	if r.has&hasRCode != 0 {
		dns.RCode = r.rcode
		dns.HasResponse = true
		dns.Flags |= event.FlagQR
	}
	// Zeek fills qtype only from a request and rtt only from a pair, so a row
	// with neither but with an rcode carries a response alone.
	dns.HasQuery = r.has&(hasQType|hasRTT) != 0 || !dns.HasResponse
	if r.aa {
		dns.Flags |= event.FlagAA
	}
	if r.tc {
		dns.Flags |= event.FlagTC
	}
	if r.rd {
		dns.Flags |= event.FlagRD
	}
	dns.FlagsKnown = r.has&hasRD != 0
	if r.ra {
		dns.Flags |= event.FlagRA
	}
	for i, a := range r.answers {
		rr := event.RR{Class: r.qclass}
		var isName bool
		rr.Type, isName = answerType(a, r.qtype)
		start := len(d.strs)
		if isName {
			d.strs = appendName(d.strs, a)
		} else {
			d.strs = append(d.strs, a...)
		}
		rr.Data = d.str(start)
		if i < len(r.ttls) {
			rr.TTL = r.ttls[i]
		}
		dns.Answers = append(dns.Answers, rr)
	}
}

func (d *Decoder) fillConn(ev *event.Event) {
	r := &d.rec
	ev.Kind = event.KindConn
	c := &ev.Conn
	c.Proto = protoNumber(r.proto, r.origH)
	c.Duration = r.duration
	c.OrigBytes, c.RespBytes = r.origBytes, r.respBytes
	c.OrigPkts, c.RespPkts = r.origPkts, r.respPkts
	start := len(d.strs)
	d.strs = append(d.strs, r.service...)
	c.Service = d.str(start)
	start = len(d.strs)
	d.strs = append(d.strs, r.state...)
	c.State = d.str(start)
}

// appendName appends the canonical form of a name given as raw label bytes
// joined by dots (Zeek loses dots inside labels, so every dot separates
// labels). Most names are already canonical (lowercase letters, digits, '-',
// '_', inner dots) and are copied as they are; the rest go through
// dnsname.AppendDotted.
func appendName(dst, name []byte) []byte {
	if len(name) == 0 || name[0] == '.' || name[len(name)-1] == '.' {
		return dnsname.AppendDotted(dst, name)
	}
	// plain has bit c set for the bytes c that are canonical as they are:
	// '-' '.' '0'-'9' in the low word, '_' 'a'-'z' in the high one.
	plain := [2]uint64{0x3ff600000000000, 0x7fffffe80000000}
	for _, c := range name {
		if c >= 128 || plain[c>>6]&(1<<(c&63)) == 0 {
			return dnsname.AppendDotted(dst, name)
		}
	}
	return append(dst, name...)
}

// str returns d.strs[start:] as a string sharing its bytes. It stays valid
// until d.strs is reset for the next event, even if d.strs grows meanwhile.
func (d *Decoder) str(start int) string {
	if len(d.strs) == start {
		return ""
	}
	return unsafe.String(&d.strs[start], len(d.strs)-start)
}

// transport maps Zeek's proto to a transport; TCP to port 853 is DoT.
func transport(proto []byte, respPort uint16) event.Transport {
	switch string(proto) {
	case "udp":
		return event.TransportUDP
	case "tcp":
		if respPort == 853 {
			return event.TransportDoT
		}
		return event.TransportTCP
	}
	return event.TransportUnknown
}

// protoNumber maps Zeek's proto to the IP protocol number. Zeek writes
// "icmp" for ICMPv6 as well, so an IPv6 originator gives 58.
func protoNumber(proto []byte, orig netip.Addr) uint8 {
	switch string(proto) {
	case "tcp":
		return 6
	case "udp":
		return 17
	case "icmp":
		if orig.Is6() && !orig.Is4In6() {
			return 58
		}
		return 1
	}
	return 0
}
