package sysmon

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// Sysmon event IDs the decoders map.
const (
	eidProcessCreate = 1
	eidNetConnect    = 3
	eidRegAddDelete  = 12
	eidRegSetValue   = 13
	eidRegRename     = 14
	eidDNSQuery      = 22
)

// utcTimeLayout is how Sysmon writes UtcTime (always UTC, milliseconds).
const utcTimeLayout = "2006-01-02 15:04:05.999999999"

// mapError is a record that is Sysmon and of a mapped ID but holds a value
// that cannot be read; the decoders turn it into an input.RecordError.
type mapError struct {
	reason string
	err    error
}

// fill maps b.rec into ev. It returns false (and nil) when the record is
// skipped: another channel or an event ID that is not mapped; both are
// counted.
func (b *base) fill(ev *event.Event, src event.Source) (bool, *mapError) {
	r := &b.rec
	ev.Reset()
	b.strs = b.strs[:0]
	if !r.isSysmon() {
		b.n.otherChannel++
		return false, nil
	}
	switch r.eventID {
	case eidDNSQuery, eidNetConnect, eidRegAddDelete, eidRegSetValue, eidRegRename, eidProcessCreate:
	default:
		b.n.otherEID++
		return false, nil
	}
	ev.Source = src
	if err := b.fillContext(ev); err != nil {
		return false, err
	}
	var err *mapError
	switch r.eventID {
	case eidDNSQuery:
		b.n.dns++
		b.fillDNS(ev)
	case eidNetConnect:
		err = b.fillConn(ev)
		if err == nil {
			b.n.conn++
		}
	case eidProcessCreate:
		b.n.process++
		b.fillProcess(ev)
	default:
		b.n.registry++
		b.fillRegistry(ev)
	}
	return err == nil, err
}

// fillContext sets the time, host and process parts every kind shares.
func (b *base) fillContext(ev *event.Event) *mapError {
	r := &b.rec
	ev.Time = r.created
	if v, ok := r.get(fUtcTime); ok && len(v) > 0 {
		t, err := time.Parse(utcTimeLayout, unsafeString(v))
		if err != nil {
			return &mapError{"bad utctime", fmt.Errorf("%q: %w", clip(v), err)}
		}
		ev.Time = t
	}
	if ev.Time.IsZero() {
		return &mapError{"missing time", nil}
	}
	ev.Host.Name = b.appendStr(r.computer)
	if v, ok := r.get(fUser); ok {
		ev.Process.User = b.appendStr(v)
		ev.Host.User = ev.Process.User
	}
	ev.Process.Image = b.appendStr(r.vals[fImage])
	if v, ok := r.get(fProcessID); ok && len(v) > 0 {
		pid, err := strconv.ParseInt(unsafeString(v), 10, 64)
		if err != nil {
			return &mapError{"bad processid", fmt.Errorf("%q: %w", clip(v), err)}
		}
		ev.Process.PID = pid
	}
	return nil
}

func (b *base) fillProcess(ev *event.Event) {
	r := &b.rec
	ev.Kind = event.KindProcess
	ev.Process.CommandLine = b.appendStr(r.vals[fCommandLine])
	ev.Process.ParentImage = b.appendStr(r.vals[fParentImage])
}

// fillDNS maps EID 22. Sysmon logs one event per query after the answer (or
// failure) came back, so the event is a query with its outcome.
func (b *base) fillDNS(ev *event.Event) {
	r := &b.rec
	ev.Kind = event.KindDNS
	dns := &ev.DNS
	dns.HasQuery = true
	start := len(b.strs)
	b.strs = dnsname.AppendPresentation(b.strs, unsafeString(bytes.TrimSpace(r.vals[fQueryName])))
	dns.QName = b.str(start)
	dns.RCode = event.RcodeUnknown
	if v, ok := r.get(fQueryStatus); ok && len(v) > 0 {
		rcode, known := statusRCode(v)
		if known {
			dns.RCode = rcode
			dns.HasResponse = true
			dns.Flags |= event.FlagQR
		} else {
			b.n.statusNotRCode++
		}
	}
	if dns.HasResponse {
		b.appendAnswers(dns, r.vals[fQueryResults])
	}
}

// statusRCode maps a QueryStatus (a Win32 / DNS API status code) to a DNS
// rcode. 0 is NOERROR and 9501 (DNS_INFO_NO_RECORDS) a NOERROR answer with
// no data; 9001-9010 are DNS_ERROR_RCODE_* (9000 + rcode: 9002 SERVFAIL,
// 9003 NXDOMAIN, 9005 REFUSED, ...). Every other status (1460 timeout, 123
// invalid name, 87, 1214, ...) says the resolver got no DNS answer, and is
// reported as not known.
func statusRCode(v []byte) (uint16, bool) {
	n, err := strconv.ParseUint(unsafeString(bytes.TrimSpace(v)), 10, 32)
	switch {
	case err != nil:
		return 0, false
	case n == 0, n == 9501:
		return event.RcodeNoError, true
	case n >= 9001 && n <= 9010:
		return uint16(n - 9000), true
	}
	return 0, false
}

// appendAnswers parses QueryResults: entries separated by ';', each an
// address ("::ffff:1.2.3.4" for IPv4, which is unwrapped; a plain IPv4 or
// IPv6) or "type:  N data" for other record types (N = 5 is a CNAME). The
// owner of the first record is the question; after a CNAME the records that
// follow belong to its target. Entries that are neither are kept as type 0
// with their text.
func (b *base) appendAnswers(dns *event.DNS, v []byte) {
	owner := dns.QName
	for len(v) > 0 {
		var ent []byte
		ent, v, _ = bytes.Cut(v, []byte{';'})
		ent = bytes.TrimSpace(ent)
		if len(ent) == 0 {
			continue
		}
		if len(dns.Answers) == maxAnswers {
			b.n.answersCapped++
			continue
		}
		rr := event.RR{Name: owner, Class: 1}
		if rest, ok := bytes.CutPrefix(ent, []byte("type:")); ok {
			rr.Type, rr.Data = b.typedAnswer(bytes.TrimSpace(rest))
			if rr.Type == event.TypeCNAME {
				owner = rr.Data
			}
		} else if a, err := netip.ParseAddr(unsafeString(ent)); err == nil {
			a = a.Unmap()
			rr.Type = event.TypeAAAA
			if a.Is4() {
				rr.Type = event.TypeA
			}
			start := len(b.strs)
			b.strs = a.AppendTo(b.strs)
			rr.Data = b.str(start)
		} else {
			rr.Data = b.appendStr(ent)
		}
		dns.Answers = append(dns.Answers, rr)
	}
}

// typedAnswer reads "N data" after "type:". Names (CNAME, PTR, NS, MX
// target...) are written in canonical form when the type carries a name.
func (b *base) typedAnswer(v []byte) (uint16, string) {
	num, data, _ := bytes.Cut(v, []byte{' '})
	data = bytes.TrimSpace(data)
	t, err := strconv.ParseUint(unsafeString(num), 10, 16)
	if err != nil {
		return 0, b.appendStr(v)
	}
	switch uint16(t) {
	case event.TypeCNAME, event.TypePTR, event.TypeNS, 39:
		start := len(b.strs)
		b.strs = dnsname.AppendPresentation(b.strs, unsafeString(data))
		return uint16(t), b.str(start)
	}
	return uint16(t), b.appendStr(data)
}

// fillConn maps EID 3. Client is the side that initiated the connection:
// the source when Initiated is true (or absent), else the destination.
func (b *base) fillConn(ev *event.Event) *mapError {
	r := &b.rec
	ev.Kind = event.KindConn
	src, err := addrPort(r.vals[fSourceIP], r.vals[fSourcePort])
	if err != nil {
		return &mapError{"bad source address", err}
	}
	dst, err := addrPort(r.vals[fDestIP], r.vals[fDestPort])
	if err != nil {
		return &mapError{"bad destination address", err}
	}
	ev.Client, ev.Server = src, dst
	if bytes.EqualFold(bytes.TrimSpace(r.vals[fInitiated]), []byte("false")) {
		ev.Client, ev.Server = dst, src
	}
	switch p := bytes.TrimSpace(r.vals[fProtocol]); {
	case bytes.EqualFold(p, []byte("tcp")), string(p) == "6":
		ev.Conn.Proto = 6
		ev.Transport = event.TransportTCP
		if ev.Server.Port() == 853 {
			ev.Transport = event.TransportDoT
		}
	case bytes.EqualFold(p, []byte("udp")), string(p) == "17":
		ev.Conn.Proto = 17
		ev.Transport = event.TransportUDP
	}
	return nil
}

// addrPort parses an address and a port field; an empty address gives the
// zero AddrPort, an empty port port 0.
func addrPort(ip, port []byte) (netip.AddrPort, error) {
	ip, port = bytes.TrimSpace(ip), bytes.TrimSpace(port)
	if len(ip) == 0 {
		return netip.AddrPort{}, nil
	}
	a, err := netip.ParseAddr(unsafeString(ip))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("address %q: %w", clip(ip), err)
	}
	var p uint64
	if len(port) > 0 {
		if p, err = strconv.ParseUint(unsafeString(port), 10, 16); err != nil {
			return netip.AddrPort{}, fmt.Errorf("port %q: %w", clip(port), err)
		}
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(p)), nil
}

// fillRegistry maps EID 12, 13 and 14. For value events (EID 13, and EID 12
// whose EventType names a value, such as DeleteValue) TargetObject is split
// at its last backslash into Key and ValueName; for key events the whole
// TargetObject is the Key. Data is Details (EID 13) or NewName (EID 14).
func (b *base) fillRegistry(ev *event.Event) {
	r := &b.rec
	ev.Kind = event.KindRegistry
	reg := &ev.Registry
	et := bytes.TrimSpace(r.vals[fEventType])
	reg.Op = registryOp(et, r.eventID)
	target := r.vals[fTargetObject]
	isValue := r.eventID == eidRegSetValue || bytes.HasSuffix(et, []byte("Value"))
	if i := bytes.LastIndexByte(target, '\\'); isValue && i >= 0 {
		reg.Key = b.appendStr(target[:i])
		reg.ValueName = b.appendStr(target[i+1:])
	} else {
		reg.Key = b.appendStr(target)
	}
	if v, ok := r.get(fDetails); ok {
		reg.Data = b.appendStr(v)
	} else {
		reg.Data = b.appendStr(r.vals[fNewName])
	}
}

// registryOp maps EventType to "create", "delete", "set" or "rename"; an
// unknown or missing EventType falls back on the event ID.
func registryOp(et []byte, eid int) string {
	switch {
	case bytes.HasPrefix(et, []byte("Create")):
		return "create"
	case bytes.HasPrefix(et, []byte("Delete")):
		return "delete"
	case bytes.HasPrefix(et, []byte("Set")):
		return "set"
	case bytes.HasPrefix(et, []byte("Rename")):
		return "rename"
	}
	switch eid {
	case eidRegSetValue:
		return "set"
	case eidRegRename:
		return "rename"
	}
	return "create"
}

// clip shortens a value quoted in an error to 64 bytes.
func clip(v []byte) []byte {
	if len(v) > 64 {
		return v[:64]
	}
	return v
}
