package pcap

import (
	"errors"
	"fmt"
	"io"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// RecordError reasons.
const (
	reasonTruncatedFile   = "truncated file"
	reasonBadRecord       = "bad record header"
	reasonTruncatedPacket = "truncated packet"
	reasonMalformedPacket = "malformed packet"
	reasonMalformedDNS    = "malformed dns"
)

func linkTypeError(lt layers.LinkType) error {
	return fmt.Errorf("link type %d (%s)", uint16(lt), lt)
}

func (d *Decoder) recordErr(reason string, offset int64, err error) error {
	return &input.RecordError{File: d.opts.Name, Offset: offset, Reason: reason, Err: err}
}

// read reads the next packet record and holds it for handle. A damaged or
// truncated record ends the stream after one RecordError; a failure of the
// underlying reader is returned as is.
func (d *Decoder) read() error {
	if d.pkts != nil {
		return d.readPacket()
	}
	rec, err := d.src.read()
	switch {
	case err == nil:
		d.rec, d.held = rec, true
		d.cnt.packets++
		if rec.time.After(d.now) {
			d.now = rec.time
		}
		return nil
	case errors.Is(err, pcapgo.ErrNgLinkTypeMismatch):
		d.cnt.otherLinkType++
		return nil
	}
	d.end = true
	switch {
	case d.src.cr.err != nil:
		return fmt.Errorf("read %s: %w", d.opts.Name, d.src.cr.err)
	case err == io.EOF:
		return nil
	case err == io.ErrUnexpectedEOF:
		return d.recordErr(reasonTruncatedFile, rec.offset, err)
	}
	return d.recordErr(reasonBadRecord, rec.offset, err)
}

// handle decodes the held packet down to its transport payload and passes it
// on. It reports whether ev was filled.
func (d *Decoder) handle(ev *event.Event) (bool, error) {
	d.seg = segment{}
	if d.frags.len() > 0 {
		d.expireFrags()
	}
	ip, version, v := network(d.link, d.rec.data)
	if v == verdictOK {
		v = decodeIP(ip, version, &d.seg)
	}
	if v == verdictFragment {
		d.cnt.fragments++
		if v = d.reassemble(); v == verdictFragment {
			return false, nil
		}
	}
	switch v {
	case verdictOK:
		return d.dispatch(ev)
	case verdictNotIP:
		d.cnt.notIP++
	case verdictNotDNS:
		d.cnt.notDNS++
	case verdictUnsupported:
		d.cnt.otherLinkType++
	case verdictTruncated:
		d.cnt.truncated++
		return false, d.badHeader(reasonTruncatedPacket)
	case verdictMalformed:
		d.cnt.malformedPackets++
		return false, d.badHeader(reasonMalformedPacket)
	}
	return false, nil
}

// badHeader reports a packet whose headers could not be decoded, unless its
// ports were read and show traffic this decoder skips anyway.
func (d *Decoder) badHeader(reason string) error {
	if d.seg.src.IsValid() && !d.wanted(d.seg.src.Port(), d.seg.dst.Port()) {
		d.cnt.notDNS++
		return nil
	}
	return d.recordErr(reason, d.rec.offset, nil)
}

// dispatch routes a decoded segment: UDP or TCP on a DNS port is DNS, TCP on
// port 853 is a DoT connection, the rest is counted and skipped.
func (d *Decoder) dispatch(ev *event.Event) (bool, error) {
	s := &d.seg
	sp, dp := s.src.Port(), s.dst.Port()
	dns := d.ports.has(sp) || d.ports.has(dp)
	switch {
	case dns && s.proto == protoUDP:
		return d.message(ev, s.payload, event.TransportUDP)
	case dns && s.proto == protoTCP:
		if d.tcpSegment() {
			return d.drainTCP(ev)
		}
		return false, nil
	case s.proto == protoTCP && (sp == DoTPort || dp == DoTPort):
		return d.dotSegment(ev), nil
	}
	d.cnt.notDNS++
	return false, nil
}

// wanted reports whether a packet between these ports is decoded: a DNS
// port, or the DoT port.
func (d *Decoder) wanted(sp, dp uint16) bool {
	return d.ports.has(sp) || d.ports.has(dp) || sp == DoTPort || dp == DoTPort
}

// message decodes one DNS message from the current packet and pairs it. It
// reports whether ev was filled.
func (d *Decoder) message(ev *event.Event, msg []byte, tr event.Transport) (bool, error) {
	ev.Reset()
	st, err := d.parser.Parse(msg, &ev.DNS)
	if err != nil {
		reason := reasonMalformedDNS
		if d.seg.short || len(d.rec.data) < d.rec.wire {
			reason = reasonTruncatedPacket
		}
		d.cnt.malformedDNS++
		return false, d.recordErr(reason, d.rec.offset, err)
	}
	d.cnt.status[st]++
	if ev.DNS.HasQuery {
		d.cnt.queries++
		return d.query(ev, tr), nil
	}
	d.cnt.responses++
	d.response(ev, tr)
	return true, nil
}

// setContext fills the parts of a DNS event that do not come from the
// message.
func (d *Decoder) setContext(ev *event.Event, tr event.Transport, offset int64) {
	ev.Kind = event.KindDNS
	ev.Transport = tr
	ev.Source = event.Source{Name: d.opts.Name, Offset: offset}
}
