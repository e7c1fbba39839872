package synth

import (
	"bufio"
	"container/heap"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/netip"
	"sort"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
)

// Browsing describes a synthetic stream of clients browsing popular sites.
// The zero value of each field but Domains and Queries takes the default
// named in its comment.
type Browsing struct {
	// Domains is a top-sites list in rank order (see Tranco); rank 1 is
	// visited most.
	Domains []string
	// Clients is the number of clients. Default 200.
	Clients int
	// Queries is the exact number of records written.
	Queries int
	// Start is the time of the first query. Default 2023-11-15 09:00 UTC.
	Start time.Time
	// Span is the time the queries are spread over; the stream ends near
	// Start+Span. Default 1h.
	Span time.Duration
	// Seed selects the stream; the same Browsing value always writes the
	// same bytes.
	Seed uint64
	// Network holds the client addresses: an IPv4 prefix of /24 or wider.
	// Default 10.0.0.0/16.
	Network netip.Prefix
	// Resolver is the DNS server the clients ask. Default 10.0.0.53.
	Resolver netip.Addr
	// SearchDomain is the clients' DNS search suffix, appended to internal
	// short names and, by some resolvers, to failed names. Default
	// corp.example.com.
	SearchDomain string
	// Zipf is the exponent of site popularity: rank r is visited in
	// proportion to 1/r^Zipf. Default 1.
	Zipf float64
	// PSL, when set, tells list entries that are host names (www.google.com)
	// from registrable domains; host names are resolved on their own. When
	// nil, only entries starting with "www." count as host names.
	PSL *dnsname.PSL
}

// Defaults of Browsing.
const (
	defaultClients = 200
	defaultSpan    = time.Hour
	defaultSearch  = "corp.example.com"
	defaultZipf    = 1.0
)

// withDefaults fills the zero fields of b.
func (b Browsing) withDefaults() Browsing {
	if b.Clients == 0 {
		b.Clients = defaultClients
	}
	if b.Start.IsZero() {
		b.Start = time.Date(2023, 11, 15, 9, 0, 0, 0, time.UTC)
	}
	if b.Span == 0 {
		b.Span = defaultSpan
	}
	if !b.Network.IsValid() {
		b.Network = netip.MustParsePrefix("10.0.0.0/16")
	}
	if !b.Resolver.IsValid() {
		b.Resolver = netip.MustParseAddr("10.0.0.53")
	}
	if b.SearchDomain == "" {
		b.SearchDomain = defaultSearch
	}
	if b.Zipf == 0 {
		b.Zipf = defaultZipf
	}
	return b
}

// validate reports every problem of b (after defaults).
func (b Browsing) validate() error {
	var errs []error
	if len(b.Domains) == 0 {
		errs = append(errs, errors.New("domains: empty list"))
	}
	if b.Queries < 0 {
		errs = append(errs, fmt.Errorf("queries: must not be negative, got %d", b.Queries))
	}
	if b.Span < time.Second {
		errs = append(errs, fmt.Errorf("span: must be at least 1s, got %v", b.Span))
	}
	if b.Zipf < 0 || b.Zipf > 4 || math.IsNaN(b.Zipf) {
		errs = append(errs, fmt.Errorf("zipf: must be between 0 and 4, got %v", b.Zipf))
	}
	if !b.Network.Addr().Is4() || b.Network.Bits() > 24 {
		errs = append(errs, fmt.Errorf("network: want an IPv4 prefix of /24 or wider, got %v", b.Network))
	} else if hosts := 1 << (32 - b.Network.Bits()); b.Clients < 1 || b.Clients > hosts/2 {
		errs = append(errs, fmt.Errorf("clients: must be between 1 and %d for %v, got %d", hosts/2, b.Network, b.Clients))
	}
	return errors.Join(errs...)
}

// WriteZeek writes the stream to w as a Zeek dns.log in TSV: the header
// block (#separator ... #types), exactly b.Queries records in time order,
// and #close.
func (b Browsing) WriteZeek(w io.Writer) error {
	b = b.withDefaults()
	if err := b.validate(); err != nil {
		return fmt.Errorf("synthetic browsing: %w", err)
	}
	g := newGen(b)
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(zeekHeader(b.Start))
	last, err := g.run(bw)
	if err != nil {
		return fmt.Errorf("synthetic browsing: write: %w", err)
	}
	bw.WriteString("#close\t" + zeekStamp(last) + "\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("synthetic browsing: write: %w", err)
	}
	return nil
}

// gen is one run of the generator.
type gen struct {
	b         Browsing
	r         *rand.Rand
	cum       []float64 // cumulative site popularity
	sites     []*site   // built on first visit, by rank
	clients   []client
	byTime    clientHeap
	pending   recHeap
	seq       uint64
	creatives []string // ad creative hashes (SafeFrame hosts)
	resolver  string
	hosts     map[string]*host
	prefixes  []prefix
	catalogue []thirdParty

	// Shared third-party names (see pools).
	distributions, akamai, buckets, apis, elbs, blobs, sentryOrgs []string

	start, end      int64
	visits, emitted int64 // for the visit rate
	activity        float64
}

func newGen(b Browsing) *gen {
	g := &gen{
		b:         b,
		r:         rand.New(rand.NewPCG(b.Seed, b.Seed^0x9e3779b97f4a7c15)),
		sites:     make([]*site, len(b.Domains)),
		resolver:  b.Resolver.String(),
		start:     b.Start.UnixNano(),
		end:       b.Start.Add(b.Span).UnixNano(),
		hosts:     make(map[string]*host),
		prefixes:  providerPrefixes(),
		catalogue: catalogue(),
	}
	g.cum = make([]float64, len(b.Domains))
	sum := 0.0
	for i := range g.cum {
		sum += 1 / math.Pow(float64(i+1), b.Zipf)
		g.cum[i] = sum
	}
	g.creatives = make([]string, 4000)
	for i := range g.creatives {
		g.creatives[i] = hexToken(g.r, 32)
	}
	g.pools()
	g.newClients()
	return g
}

// pickSite draws a site index by popularity.
func (g *gen) pickSite() int {
	x := g.r.Float64() * g.cum[len(g.cum)-1]
	return min(sort.SearchFloat64s(g.cum, x), len(g.cum)-1)
}

// visitRate is the expected number of visits per nanosecond, across all
// clients, that spreads the remaining queries over the remaining span.
func (g *gen) visitRate(now int64) float64 {
	perVisit := 20.0
	if g.visits > 50 {
		perVisit = float64(g.emitted) / float64(g.visits)
	}
	left := float64(int64(g.b.Queries) - g.emitted)
	span := float64(max(g.end-now, (g.end-g.start)/20))
	return max(left, 1) / perVisit / span
}

// schedule sets client i's next visit after now.
func (g *gen) schedule(i int, now int64) {
	c := &g.clients[i]
	rate := g.visitRate(now) * c.activity / g.activity
	c.next = now + int64(g.r.ExpFloat64()/rate)
	heap.Push(&g.byTime, clientAt{t: c.next, i: i})
}

// run generates visits in time order and writes records until b.Queries
// are written. It returns the time of the last record.
func (g *gen) run(w *bufio.Writer) (time.Time, error) {
	for i := range g.clients {
		g.schedule(i, g.start)
	}
	written, last := 0, g.start
	var line []byte
	for written < g.b.Queries {
		next := heap.Pop(&g.byTime).(clientAt)
		for written < g.b.Queries && g.pending.Len() > 0 && g.pending.recs[0].ts <= next.t {
			rec := heap.Pop(&g.pending).(record)
			line = g.appendRecord(line[:0], &rec)
			if _, err := w.Write(line); err != nil {
				return time.Time{}, err
			}
			written++
			last = rec.ts
		}
		if written == g.b.Queries {
			break
		}
		g.visit(next.i, next.t)
		g.schedule(next.i, next.t)
	}
	return time.Unix(0, last).UTC(), nil
}

// emit queues the records of one resolution.
func (g *gen) emit(ci int, ts int64, h *host, qtype uint16) {
	g.seq++
	g.emitted++
	heap.Push(&g.pending, record{ts: ts, seq: g.seq, client: int32(ci), qtype: qtype, h: h})
}

// clientAt is a client's next visit time.
type clientAt struct {
	t int64
	i int
}

type clientHeap []clientAt

func (h clientHeap) Len() int { return len(h) }
func (h clientHeap) Less(i, j int) bool {
	return h[i].t < h[j].t || h[i].t == h[j].t && h[i].i < h[j].i
}
func (h clientHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *clientHeap) Push(x any)   { *h = append(*h, x.(clientAt)) }
func (h *clientHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
