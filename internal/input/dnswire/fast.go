package dnswire

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// section names one of the three record sections.
type section uint8

const (
	answers section = iota
	authority
	additional
)

var (
	errTXT   = errors.New("txt rdata does not fill its length")
	errCount = errors.New("section longer than its count")
)

// parseFast decodes msg with dnsmessage. Any error sends the message to the
// fallback path.
func (p *Parser) parseFast(msg []byte, d *event.DNS) error {
	h, err := p.msg.Start(msg)
	if err != nil {
		return err
	}
	setHeader(d, h.ID, wireFlags(msg), uint8(h.OpCode), uint16(h.RCode), len(msg))
	if err := p.question(d); err != nil {
		return err
	}
	if !h.Response || p.HeaderOnly {
		return nil
	}
	counts := [3]int{int(binary.BigEndian.Uint16(msg[6:])), int(binary.BigEndian.Uint16(msg[8:])),
		int(binary.BigEndian.Uint16(msg[10:]))}
	if d.Answers, err = p.walk(answers, counts[0], d.Answers, d); err != nil {
		return err
	}
	if d.Authority, err = p.walk(authority, counts[1], d.Authority, d); err != nil {
		return err
	}
	d.Additional, err = p.walk(additional, counts[2], d.Additional, d)
	return err
}

// wireFlags reads the header flag bits from the third and fourth bytes of a
// message (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD and CD). The caller has
// checked that the message holds a whole header.
func wireFlags(msg []byte) event.Flags {
	var f event.Flags
	for _, b := range [...]struct {
		mask byte
		hi   bool
		flag event.Flags
	}{
		{0x80, true, event.FlagQR}, {0x04, true, event.FlagAA}, {0x02, true, event.FlagTC},
		{0x01, true, event.FlagRD}, {0x80, false, event.FlagRA}, {0x20, false, event.FlagAD},
		{0x10, false, event.FlagCD},
	} {
		v := msg[3]
		if b.hi {
			v = msg[2]
		}
		if v&b.mask != 0 {
			f |= b.flag
		}
	}
	return f
}

// question reads the first question into d and skips any others.
func (p *Parser) question(d *event.DNS) error {
	q, err := p.msg.Question()
	if err == dnsmessage.ErrSectionDone {
		return nil
	}
	if err != nil {
		return err
	}
	d.QName, d.QType, d.QClass = p.ownerName(&q.Name), uint16(q.Type), uint16(q.Class)
	return p.msg.SkipAllQuestions()
}

// walk decodes the n records of one section (n is the header's count, which
// dnsmessage also obeys), appending them to rrs, and then moves the parser to
// the next section.
func (p *Parser) walk(sec section, n int, rrs []event.RR, d *event.DNS) ([]event.RR, error) {
	for range n {
		var h dnsmessage.ResourceHeader
		var err error
		switch sec {
		case answers:
			h, err = p.msg.AnswerHeader()
		case authority:
			h, err = p.msg.AuthorityHeader()
		default:
			h, err = p.msg.AdditionalHeader()
		}
		if err != nil {
			return rrs, err
		}
		switch {
		case sec == additional && h.Type == dnsmessage.TypeOPT:
			d.RCode = extendRCode(d.RCode, h.TTL)
			err = p.skip(sec)
		case p.decoded >= MaxRecords:
			p.Skipped++
			err = p.skip(sec)
		default:
			var rr event.RR
			rr, err = p.record(sec, &h)
			rrs = append(rrs, rr)
			p.decoded++
		}
		if err != nil {
			return rrs, err
		}
		p.advance(h.Length)
	}
	if sec == additional {
		return rrs, nil
	}
	if err := p.skip(sec); err != dnsmessage.ErrSectionDone {
		return rrs, errCount
	}
	return rrs, nil
}

func (p *Parser) skip(sec section) error {
	switch sec {
	case answers:
		return p.msg.SkipAnswer()
	case authority:
		return p.msg.SkipAuthority()
	default:
		return p.msg.SkipAdditional()
	}
}

// record decodes one record whose header has been read.
func (p *Parser) record(sec section, h *dnsmessage.ResourceHeader) (event.RR, error) {
	rr := event.RR{Name: p.ownerName(&h.Name), Type: uint16(h.Type), Class: uint16(h.Class), TTL: h.TTL}
	start := len(p.buf)
	err := p.rdata(sec, h)
	rr.Data = p.str(start)
	return rr, err
}

// rdata appends the presentation form of the current record's data to p.buf
// for the common types and skips the data of the others.
func (p *Parser) rdata(sec section, h *dnsmessage.ResourceHeader) error {
	switch h.Type {
	case dnsmessage.TypeA:
		r, err := p.msg.AResource()
		p.buf = netip.AddrFrom4(r.A).AppendTo(p.buf)
		return err
	case dnsmessage.TypeAAAA:
		r, err := p.msg.AAAAResource()
		p.buf = netip.AddrFrom16(r.AAAA).AppendTo(p.buf)
		return err
	case dnsmessage.TypeCNAME:
		r, err := p.msg.CNAMEResource()
		p.appendName(&r.CNAME)
		return err
	case dnsmessage.TypeNS:
		r, err := p.msg.NSResource()
		p.appendName(&r.NS)
		return err
	case dnsmessage.TypePTR:
		r, err := p.msg.PTRResource()
		p.appendName(&r.PTR)
		return err
	case dnsmessage.TypeMX:
		r, err := p.msg.MXResource()
		p.buf = append(strconv.AppendUint(p.buf, uint64(r.Pref), 10), ' ')
		p.appendName(&r.MX)
		return err
	case dnsmessage.TypeSOA:
		r, err := p.msg.SOAResource()
		p.appendSOA(&r)
		return err
	case dnsmessage.TypeSRV:
		r, err := p.msg.SRVResource()
		p.buf = appendUints(p.buf, uint32(r.Priority), uint32(r.Weight), uint32(r.Port))
		p.buf = append(p.buf, ' ')
		p.appendName(&r.Target)
		return err
	case dnsmessage.TypeTXT:
		return p.txt(sec, h.Length)
	}
	return p.skip(sec)
}

// ownerName returns the canonical form of the question name or a record's
// owner name. Records usually repeat the previous owner (every answer of an
// RRset, often the question name itself), so an owner equal to the last one
// reuses its string.
func (p *Parser) ownerName(n *dnsmessage.Name) string {
	raw := n.Data[:n.Length]
	if p.haveLast && string(raw) == string(p.lastRaw[:p.lastLen]) {
		return p.lastName
	}
	start := len(p.buf)
	p.buf = appendDotted(p.buf, raw)
	p.lastLen = copy(p.lastRaw[:], raw)
	p.lastName, p.haveLast = p.str(start), true
	return p.lastName
}

func (p *Parser) appendName(n *dnsmessage.Name) {
	p.buf = appendDotted(p.buf, n.Data[:n.Length])
}

// plainName maps each byte that dnsname writes unchanged in a name (after
// lowercasing) to its canonical byte: letters (lowercased), digits, '-',
// '_' and the label separator '.'. Every other byte maps to 0.
const plainName = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x2d\x2e\x00" +
	"\x30\x31\x32\x33\x34\x35\x36\x37\x38\x39\x00\x00\x00\x00\x00\x00" +
	"\x00\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f" +
	"\x70\x71\x72\x73\x74\x75\x76\x77\x78\x79\x7a\x00\x00\x00\x00\x5f" +
	"\x00\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f" +
	"\x70\x71\x72\x73\x74\x75\x76\x77\x78\x79\x7a\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"

// appendDotted is dnsname.AppendDotted with a shortcut for the common name
// made only of letters, digits, '-' and '_': such a name is copied through
// plainName, which gives the same bytes AppendDotted writes. Any other byte,
// and the root, go through AppendDotted.
func appendDotted(dst, name []byte) []byte {
	n := len(name)
	if n < 2 || name[n-1] != '.' {
		return dnsname.AppendDotted(dst, name)
	}
	start := len(dst)
	dst = append(dst, name[:n-1]...)
	out := dst[start:]
	for i, c := range out {
		m := plainName[c]
		if m == 0 {
			return dnsname.AppendDotted(dst[:start], name)
		}
		out[i] = m
	}
	return dst
}

func (p *Parser) appendSOA(r *dnsmessage.SOAResource) {
	p.appendName(&r.NS)
	p.buf = append(p.buf, ' ')
	p.appendName(&r.MBox)
	p.buf = append(p.buf, ' ')
	p.buf = appendUints(p.buf, r.Serial, r.Refresh, r.Retry, r.Expire, r.MinTTL)
}

// txt formats TXT rdata straight from the message, which dnsmessage's
// TXTResource would copy into new strings, then moves the parser past it.
func (p *Parser) txt(sec section, length uint16) error {
	off, ok := p.rdataOffset()
	if !ok || off+int(length) > len(p.raw) {
		return errTXT
	}
	var ok2 bool
	if p.buf, ok2 = appendTXT(p.buf, p.raw[off:off+int(length)]); !ok2 {
		return errTXT
	}
	return p.skip(sec)
}
