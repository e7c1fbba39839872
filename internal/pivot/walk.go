package pivot

import (
	"cmp"
	"slices"
	"strings"

	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
	"github.com/dnsvigil/dnsvigil/internal/store"
)

const (
	typeA  = 1
	typeNS = 2
)

// fromAddress finds the names at addr: name servers, whose domains are then
// walked, and other names, walked as domains.
func (b *builder) fromAddress(addr string) error {
	root := NodeID(KindAddress, addr)
	names, more, err := b.capped(func(limit int) ([]store.Record, error) {
		return b.r.NamesAt(b.ctx, addr, limit)
	}, b.opts.MaxSiblings, nil)
	if err != nil {
		return err
	}
	if more {
		b.truncated("address %s: more than %d names at it; the %d seen last are shown", addr, b.opts.MaxSiblings, b.opts.MaxSiblings)
	}
	var seeds []string
	for _, rec := range names {
		served, err := b.domainsOn(rec.Name, "")
		if err != nil {
			return err
		}
		if len(served) == 0 {
			b.edge(addrFact(rec), EdgeResolvesTo, b.node(KindDomain, rec.Name), root, rec.First, rec.Last, rec.Count)
			seeds = append(seeds, rec.Name)
			continue
		}
		b.edge(addrFact(rec), EdgeAddressOf, b.node(KindNameServer, rec.Name), root, rec.First, rec.Last, rec.Count)
		for _, d := range served {
			seeds = append(seeds, d.Name)
		}
	}
	slices.Sort(seeds)
	return b.walk(slices.Compact(seeds))
}

// walk adds the name servers, siblings, addresses and clients of each domain,
// then the addresses and clients of the siblings found.
func (b *builder) walk(domains []string) error {
	walked := map[string]bool{}
	for _, d := range domains {
		walked[d] = true
	}
	var siblings []string
	for _, d := range domains {
		s, err := b.domain(d)
		if err != nil {
			return err
		}
		siblings = append(siblings, s...)
	}
	slices.Sort(siblings)
	for _, s := range slices.Compact(siblings) {
		if walked[s] {
			continue
		}
		if err := b.leaf(s); err != nil {
			return err
		}
	}
	return nil
}

// domain adds d's name servers with their siblings and addresses, and d's
// addresses and clients. It returns the siblings.
func (b *builder) domain(d string) ([]string, error) {
	id := b.node(KindDomain, d)
	all, err := b.r.NSOf(b.ctx, d)
	if err != nil {
		return nil, err
	}
	ns := b.keep(all, b.opts.MaxSiblings, "domain %s: more than %d name servers; the %d seen last are shown", d)
	var siblings []string
	for _, rec := range ns {
		nsID := b.node(KindNameServer, rec.Data)
		b.edge(nsFact(rec), EdgeServedBy, id, nsID, rec.First, rec.Last, rec.Count)
		served, err := b.domainsOn(rec.Data, d)
		if err != nil {
			return nil, err
		}
		for _, s := range served {
			b.edge(nsFact(s), EdgeAlsoServes, nsID, b.node(KindDomain, s.Name), s.First, s.Last, s.Count)
			siblings = append(siblings, s.Name)
		}
		if err := b.addresses(rec.Data, nsID, EdgeAddressOf); err != nil {
			return nil, err
		}
	}
	return siblings, b.leaf(d)
}

// leaf adds the addresses and clients of domain d.
func (b *builder) leaf(d string) error {
	id := b.node(KindDomain, d)
	if err := b.addresses(d, id, EdgeResolvesTo); err != nil {
		return err
	}
	return b.clients(d, id)
}

// domainsOn returns the domains served by host within the window, except
// skip, capped at MaxSiblings.
func (b *builder) domainsOn(host, skip string) ([]store.Record, error) {
	recs, more, err := b.capped(func(limit int) ([]store.Record, error) {
		return b.r.DomainsOn(b.ctx, host, limit)
	}, b.opts.MaxSiblings, func(r store.Record) bool { return r.Name != skip })
	if more {
		b.truncated("name server %s: more than %d other domains served; the %d seen last are shown",
			escape.Name(host), b.opts.MaxSiblings, b.opts.MaxSiblings)
	}
	return recs, err
}

func (b *builder) addresses(name, id, kind string) error {
	all, err := b.r.Addresses(b.ctx, name)
	if err != nil {
		return err
	}
	for _, rec := range b.keep(all, b.opts.MaxAddresses, "name %s: more than %d addresses; the %d seen last are shown", name) {
		b.edge(addrFact(rec), kind, id, b.node(KindAddress, rec.Data), rec.First, rec.Last, rec.Count)
	}
	return nil
}

func (b *builder) clients(d, id string) error {
	cs, err := b.r.Clients(b.ctx, d, b.opts.Since, b.opts.Until, b.opts.MaxClients+1)
	if err != nil {
		return err
	}
	if len(cs) > b.opts.MaxClients {
		cs = cs[:b.opts.MaxClients]
		b.truncated("domain %s: more than %d clients; the %d seen last are shown", escape.Name(d), b.opts.MaxClients, b.opts.MaxClients)
	}
	for _, c := range cs {
		b.edge(factKey{a: c.Client, b: c.Domain}, EdgeQueriedBy, id, b.node(KindClient, c.Client), c.First, c.Last, c.Count)
	}
	return nil
}

// keep returns the records of all within the window, capped at max (the
// ones seen last are kept) with a note naming name when the cap applied.
func (b *builder) keep(all []store.Record, max int, note, name string) []store.Record {
	var in []store.Record
	for _, r := range all {
		if b.inWindow(r.First, r.Last) {
			in = append(in, r)
		}
	}
	if len(in) <= max {
		return in
	}
	slices.SortStableFunc(in, func(x, y store.Record) int {
		return cmp.Or(y.Last.Compare(x.Last), strings.Compare(x.Data, y.Data))
	})
	b.truncated(note, escape.Name(name), max, max)
	return in[:max]
}

// capped runs a limited query, most recently seen first, and returns up to
// max records within the window that pass ok (nil passes all), and whether
// more exist. Because the window filters after the query, it widens the limit
// until it has max+1 records or the query runs out, reading at most maxScan
// rows; reaching that bound counts as more.
func (b *builder) capped(q func(limit int) ([]store.Record, error), max int, ok func(store.Record) bool) ([]store.Record, bool, error) {
	for n := max + 2; ; n *= 4 {
		n = min(n, maxScan)
		rows, err := q(n)
		if err != nil {
			return nil, false, err
		}
		var out []store.Record
		for _, r := range rows {
			if b.inWindow(r.First, r.Last) && (ok == nil || ok(r)) {
				out = append(out, r)
			}
		}
		switch {
		case len(out) > max:
			return out[:max], true, nil
		case len(rows) < n:
			return out, false, nil
		case n == maxScan:
			return out, true, nil
		}
	}
}

func nsFact(r store.Record) factKey   { return factKey{typ: typeNS, a: r.Name, b: r.Data} }
func addrFact(r store.Record) factKey { return factKey{typ: typeA, a: r.Name, b: r.Data} }
