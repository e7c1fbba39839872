package dnswire

import (
	"errors"
	"net/netip"
	"strconv"

	"github.com/miekg/dns"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// parseFallback decodes msg with miekg/dns. It allocates; it runs only for
// messages dnsmessage refused.
func (p *Parser) parseFallback(msg []byte, d *event.DNS) (Status, error) {
	var m dns.Msg
	err := m.Unpack(msg)
	if len(msg) < 12 || len(m.Question) < qdcount(msg) && err != nil {
		if err == nil {
			err = errShort
		}
		return StatusFast, malformed(err)
	}
	setHeader(d, m.Id, wireFlags(msg), uint8(m.Opcode), uint16(msg[3]&0x0F), len(msg))
	if len(m.Question) > 0 {
		q := m.Question[0]
		d.QName, d.QType, d.QClass = p.name(q.Name), q.Qtype, q.Qclass
	}
	if m.Response {
		d.Answers = p.records(d.Answers, m.Answer, d, false)
		d.Authority = p.records(d.Authority, m.Ns, d, false)
		d.Additional = p.records(d.Additional, m.Extra, d, true)
	}
	if err != nil {
		return StatusPartial, nil
	}
	return StatusFallback, nil
}

var errShort = errors.New("message shorter than a dns header")

func (p *Parser) records(dst []event.RR, rrs []dns.RR, d *event.DNS, extra bool) []event.RR {
	for _, rr := range rrs {
		h := rr.Header()
		if extra && h.Rrtype == dns.TypeOPT {
			d.RCode = extendRCode(d.RCode, h.Ttl)
			continue
		}
		if p.decoded >= MaxRecords {
			p.Skipped++
			continue
		}
		p.decoded++
		dst = append(dst, event.RR{
			Name: p.name(h.Name), Type: h.Rrtype, Class: h.Class, TTL: h.Ttl,
			Data: p.data(rr),
		})
	}
	return dst
}

// data formats the record data the way the fast path does.
func (p *Parser) data(rr dns.RR) string {
	start := len(p.buf)
	switch r := rr.(type) {
	case *dns.A:
		p.appendIP(r.A, true)
	case *dns.AAAA:
		p.appendIP(r.AAAA, false)
	case *dns.CNAME:
		p.appendPresentationName(r.Target)
	case *dns.NS:
		p.appendPresentationName(r.Ns)
	case *dns.PTR:
		p.appendPresentationName(r.Ptr)
	case *dns.MX:
		p.buf = append(strconv.AppendUint(p.buf, uint64(r.Preference), 10), ' ')
		p.appendPresentationName(r.Mx)
	case *dns.SOA:
		p.appendPresentationName(r.Ns)
		p.buf = append(p.buf, ' ')
		p.appendPresentationName(r.Mbox)
		p.buf = append(p.buf, ' ')
		p.buf = appendUints(p.buf, r.Serial, r.Refresh, r.Retry, r.Expire, r.Minttl)
	case *dns.SRV:
		p.buf = appendUints(p.buf, uint32(r.Priority), uint32(r.Weight), uint32(r.Port))
		p.buf = append(p.buf, ' ')
		p.appendPresentationName(r.Target)
	case *dns.TXT:
		p.appendTXTStrings(r.Txt)
	}
	return p.str(start)
}

// appendIP writes an address; v4 unmaps the 16-byte form net.IP may use for
// an A record, while an AAAA record keeps a v4-mapped address as written.
func (p *Parser) appendIP(ip []byte, v4 bool) {
	if a, ok := netip.AddrFromSlice(ip); ok {
		if v4 {
			a = a.Unmap()
		}
		p.buf = a.AppendTo(p.buf)
	}
}

// appendTXTStrings quotes strings miekg/dns has already escaped.
func (p *Parser) appendTXTStrings(ss []string) {
	for i, s := range ss {
		if i > 0 {
			p.buf = append(p.buf, ' ')
		}
		p.buf = append(append(append(p.buf, '"'), s...), '"')
	}
}

func (p *Parser) name(presentation string) string {
	start := len(p.buf)
	p.appendPresentationName(presentation)
	return p.str(start)
}

// appendPresentationName writes a miekg/dns presentation name in canonical form. The
// escapes are undone label by label and each raw label is written with
// dnsname.AppendWireLabel, so the result is byte for byte what the fast path
// writes for the same wire name.
func (p *Parser) appendPresentationName(presentation string) {
	p.scratch = p.scratch[:0]
	var label [255]byte
	n, labels := 0, 0
	for i := 0; i < len(presentation); i++ {
		c := presentation[i]
		switch {
		case c == '\\' && isDDD(presentation[i+1:]):
			c = (presentation[i+1]-'0')*100 + (presentation[i+2]-'0')*10 + presentation[i+3] - '0'
			i += 3
		case c == '\\' && i+1 < len(presentation):
			i++
			c = presentation[i]
		case c == '.':
			p.scratch = dnsname.AppendWireLabel(p.scratch, label[:n])
			n, labels = 0, labels+1
			continue
		}
		if n < len(label) {
			label[n], n = c, n+1
		}
	}
	if n > 0 {
		p.scratch = dnsname.AppendWireLabel(p.scratch, label[:n])
		labels++
	}
	if labels == 0 || len(p.scratch) == 0 {
		p.scratch = append(p.scratch[:0], '.')
	}
	p.buf = append(p.buf, p.scratch...)
}

func isDDD(s string) bool {
	return len(s) >= 3 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'
}
