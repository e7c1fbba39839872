package pcap

import (
	"slices"
	"time"
)

// Limits of IP reassembly.
const (
	// MaxFragDatagrams caps the datagrams being reassembled at once; the
	// oldest is dropped (and counted) to make room.
	MaxFragDatagrams = 1024
	// MaxFragsPerDatagram caps the fragments of one datagram.
	MaxFragsPerDatagram = 64
	// FragTimeout is how long, in event time, a datagram may wait for its
	// missing fragments (Linux's ipfrag_time).
	FragTimeout = 30 * time.Second
	// maxDatagram is the largest IP payload a fragment can reach.
	maxDatagram = 65535
)

// partial is a datagram under reassembly.
type partial struct {
	buf   []byte   // payload bytes at their offsets
	spans [][2]int // received byte ranges, never overlapping
	total int      // payload length once the last fragment arrived, else -1
	first time.Time
}

// reassemble adds the fragment in d.seg to its datagram. When the datagram
// is complete it decodes the transport header from the whole payload into
// d.seg and returns that verdict; otherwise verdictFragment. A fragment that
// overlaps another, runs past 64 KiB or disagrees on the end drops its whole
// datagram, so bytes from different transmissions are never mixed.
func (d *Decoder) reassemble() verdict {
	f := d.seg.frag
	i, ok := d.frags.get(f.key)
	if !ok {
		if d.frags.full() {
			d.cnt.fragsDropped++
			d.frags.remove(d.frags.oldest())
		}
		i = d.frags.alloc()
		p := d.frags.val(i)
		buf := p.buf[:0]
		if cap(buf) > keepBufferBytes {
			buf = nil
		}
		*p = partial{buf: buf, spans: p.spans[:0], total: -1, first: d.rec.time}
		d.frags.insert(i, f.key)
	}
	p := d.frags.val(i)
	if !p.add(f) {
		d.cnt.fragsDropped++
		d.frags.remove(i)
		return verdictFragment
	}
	if !p.complete() {
		return verdictFragment
	}
	d.cnt.reassembled++
	d.frags.remove(i) // the buffer stays intact until this packet is handled
	payload := p.buf[:p.total]
	if f.v6 {
		v := walkIPv6(f.key.proto, payload, f.key.src, f.key.dst, &d.seg)
		if v == verdictFragment { // fragments inside fragments
			return verdictMalformed
		}
		return v
	}
	return decodeTransport(f.key.proto, payload, f.key.src, f.key.dst, &d.seg)
}

// add places one fragment, reporting false when the datagram must be
// dropped.
func (p *partial) add(f fragment) bool {
	end := f.off + len(f.data)
	if end > maxDatagram || len(p.spans) >= MaxFragsPerDatagram || f.more && len(f.data)%8 != 0 {
		return false
	}
	if !f.more {
		if p.total >= 0 && p.total != end {
			return false
		}
		p.total = end
	}
	if p.total >= 0 && end > p.total {
		return false
	}
	for _, s := range p.spans {
		if f.off < s[1] && s[0] < end {
			return false
		}
	}
	p.spans = append(p.spans, [2]int{f.off, end})
	if len(p.buf) < end {
		p.buf = slices.Grow(p.buf, end-len(p.buf))[:end]
	}
	copy(p.buf[f.off:], f.data)
	return true
}

// complete reports whether every byte up to the end has arrived. Spans
// never overlap, so their lengths add up to the total exactly then.
func (p *partial) complete() bool {
	if p.total < 0 {
		return false
	}
	n := 0
	for _, s := range p.spans {
		n += s[1] - s[0]
	}
	return n == p.total
}

// expireFrags drops datagrams that waited FragTimeout of event time.
func (d *Decoder) expireFrags() {
	for i := d.frags.oldest(); i != none; i = d.frags.oldest() {
		if !d.now.After(d.frags.val(i).first.Add(FragTimeout)) {
			return
		}
		d.cnt.fragsDropped++
		d.frags.remove(i)
	}
}
