package synth

import (
	"strconv"
	"time"
)

// zeekFields and zeekTypes are the columns of Zeek's dns.log (Zeek 5 and
// later, default fields).
const (
	zeekFields = "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected"
	zeekTypes  = "time\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool"
)

// zeekStamp formats t as Zeek's #open and #close lines do.
func zeekStamp(t time.Time) string { return t.UTC().Format("2006-01-02-15-04-05") }

// zeekHeader returns the header block Zeek writes at the top of dns.log.
func zeekHeader(open time.Time) string {
	return "#separator \\x09\n" +
		"#set_separator\t,\n" +
		"#empty_field\t(empty)\n" +
		"#unset_field\t-\n" +
		"#path\tdns\n" +
		"#open\t" + zeekStamp(open) + "\n" +
		"#fields\t" + zeekFields + "\n" +
		"#types\t" + zeekTypes + "\n"
}

// record is one query and its response, waiting for its time to be written.
type record struct {
	ts     int64
	seq    uint64
	client int32
	qtype  uint16
	h      *host
}

// recHeap orders records by time, then by creation.
type recHeap struct{ recs []record }

func (h *recHeap) Len() int { return len(h.recs) }
func (h *recHeap) Less(i, j int) bool {
	a, b := &h.recs[i], &h.recs[j]
	return a.ts < b.ts || a.ts == b.ts && a.seq < b.seq
}
func (h *recHeap) Swap(i, j int) { h.recs[i], h.recs[j] = h.recs[j], h.recs[i] }
func (h *recHeap) Push(x any)    { h.recs = append(h.recs, x.(record)) }
func (h *recHeap) Pop() any {
	n := len(h.recs) - 1
	x := h.recs[n]
	h.recs[n] = record{}
	h.recs = h.recs[:n]
	return x
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// appendRecord appends rec as one TSV line.
func (g *gen) appendRecord(b []byte, rec *record) []byte {
	c := &g.clients[rec.client]
	h := rec.h
	b = strconv.AppendInt(b, rec.ts/1e9, 10)
	b = append(b, '.')
	b = appendPadded(b, rec.ts%1e9/1e3, 6)
	b = append(b, "\tC"...)
	for range 17 {
		b = append(b, base62[g.r.IntN(len(base62))])
	}
	b = append(b, '\t')
	b = append(b, c.addrS...)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(49152+g.r.IntN(16384)), 10)
	b = append(b, '\t')
	b = append(b, g.resolver...)
	b = append(b, "\t53\tudp\t"...)
	b = strconv.AppendInt(b, int64(g.r.IntN(65536)), 10)
	b = append(b, '\t')
	// A resolver answers from its cache in well under a millisecond, and
	// from upstream in tens of milliseconds.
	rtt := 0.0002 + g.r.Float64()*0.0015
	if g.r.IntN(4) == 0 {
		rtt = 0.008 + g.r.ExpFloat64()*0.03
	}
	b = strconv.AppendFloat(b, rtt, 'f', 6, 64)
	b = append(b, '\t')
	b = append(b, h.name...)
	b = append(b, "\t1\tC_INTERNET\t"...)
	b = strconv.AppendInt(b, int64(rec.qtype), 10)
	b = append(b, '\t')
	b = append(b, qtypeName(rec.qtype)...)
	if h.nx {
		b = append(b, "\t3\tNXDOMAIN\tF\tF\tT\tT\t0\t-\t-\tF\n"...)
		return b
	}
	b = append(b, "\t0\tNOERROR\tF\tF\tT\tT\t0\t"...)
	return g.appendAnswers(b, h, rec.qtype)
}

// appendAnswers appends the answers and TTLs columns and the end of the
// line: the alias chain, then addresses for A and AAAA. HTTPS answers are
// left unset, as Zeek logs no RDATA for that type.
func (g *gen) appendAnswers(b []byte, h *host, qtype uint16) []byte {
	naddr := 0
	switch {
	case qtype == typeA:
		naddr = 1 + int(h.hash%4)
	case qtype == typeAAAA && h.v6:
		naddr = 1 + int(h.hash%2)
	}
	if qtype == typeHTTPS || len(h.chain)+naddr == 0 {
		return append(b, "-\t-\tF\n"...)
	}
	n := 0
	for _, a := range h.chain {
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, a...)
		n++
	}
	p := g.prefixFor(h)
	for i := range naddr {
		if n > 0 {
			b = append(b, ',')
		}
		if qtype == typeA {
			b = appendIPv4(b, h, i, p)
		} else {
			b = appendIPv6(b, h, i, p)
		}
		n++
	}
	b = append(b, '\t')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		ttl := h.ttl
		if i < len(h.chain) {
			ttl = max(ttl, 300)
		}
		b = strconv.AppendInt(b, int64(ttl), 10)
		b = append(b, ".000000"...)
	}
	return append(b, "\tF\n"...)
}

// appendPadded appends v in decimal, zero-padded to width digits.
func appendPadded(b []byte, v int64, width int) []byte {
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// Query types the stream asks.
const (
	typeA     uint16 = 1
	typeAAAA  uint16 = 28
	typeHTTPS uint16 = 65
)

func qtypeName(t uint16) string {
	switch t {
	case typeA:
		return "A"
	case typeAAAA:
		return "AAAA"
	case typeHTTPS:
		return "HTTPS"
	}
	return "TYPE" + strconv.Itoa(int(t))
}
