package resolve

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
)

// udpSize is the EDNS0 buffer size advertised (the DNS flag day 2020 value).
const udpSize = 1232

// lookup asks for the NS, SOA and name-server addresses of name.
func (r *Resolver) lookup(ctx context.Context, name string) Result {
	res := Result{Domain: name}
	msg, server, err := r.query(ctx, name, dns.TypeNS)
	if msg != nil {
		res.Rcode = msg.Rcode
	}
	if err != nil {
		res.Err = err
		return res
	}
	res.Resolver = server
	if msg.Rcode != dns.RcodeSuccess {
		return res
	}
	res.NS = nsHosts(msg, name)
	if msg, _, err := r.query(ctx, name, dns.TypeSOA); err != nil {
		res.Failed = append(res.Failed, name+" SOA")
	} else {
		res.SOA = soaOf(msg, name)
	}
	for _, host := range res.NS[:min(len(res.NS), r.cfg.MaxNSHosts)] {
		for _, t := range [...]uint16{dns.TypeA, dns.TypeAAAA} {
			if ctxErr(ctx) != nil {
				return res
			}
			msg, _, err := r.query(ctx, host, t)
			if err != nil {
				res.Failed = append(res.Failed, host+" "+dns.TypeToString[t])
				continue
			}
			if addrs := addrsOf(msg, host); len(addrs) > 0 {
				if res.NSAddrs == nil {
					res.NSAddrs = make(map[string][]netip.Addr)
				}
				res.NSAddrs[host] = mergeAddrs(res.NSAddrs[host], addrs)
			}
		}
	}
	return res
}

// query sends one question to the resolvers in order until one answers
// with anything but SERVFAIL or REFUSED. It returns the answer and the
// resolver; on failure the last answer seen (if any) and an error wrapping
// ErrNoAnswer.
func (r *Resolver) query(ctx context.Context, name string, qtype uint16) (*dns.Msg, string, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	m.SetEdns0(udpSize, false)
	var last *dns.Msg
	var lastErr error
	for i, server := range r.servers {
		if i > 0 {
			r.failovers.Add(1)
		}
		if err := ctx.Err(); err != nil {
			return last, "", fmt.Errorf("resolve %s %s: %w", name, dns.TypeToString[qtype], err)
		}
		m.Id = dns.Id()
		resp, err := r.exchange(ctx, m, server)
		if cerr := ctxErr(ctx); err != nil && cerr != nil {
			return last, "", fmt.Errorf("resolve %s %s: %w", name, dns.TypeToString[qtype], cerr)
		}
		switch {
		case err != nil:
			lastErr = fmt.Errorf("%s: %w", server, err)
		case resp.Rcode == dns.RcodeServerFailure || resp.Rcode == dns.RcodeRefused:
			last, lastErr = resp, fmt.Errorf("%s: %s", server, dns.RcodeToString[resp.Rcode])
		default:
			return resp, server, nil
		}
	}
	return last, "", fmt.Errorf("%w: %s %s: %w", ErrNoAnswer, name, dns.TypeToString[qtype], lastErr)
}

// ctxErr returns the context's error, also when its deadline has passed
// but the context has not noticed yet (a socket deadline set from it can
// fire first).
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// exchange sends m to one server over UDP, and again over TCP when the
// answer is truncated. An answer to another question is an error.
func (r *Resolver) exchange(ctx context.Context, m *dns.Msg, server string) (*dns.Msg, error) {
	r.queries.Add(1)
	resp, _, err := r.udp.ExchangeContext(ctx, m, server)
	if resp != nil && resp.Truncated && resp.Id == m.Id {
		r.truncated.Add(1)
		r.queries.Add(1)
		resp, _, err = r.tcp.ExchangeContext(ctx, m, server)
	}
	if err != nil {
		return nil, err
	}
	if !resp.Response || len(resp.Question) != 1 || resp.Question[0].Qtype != m.Question[0].Qtype ||
		dnsname.Canonical(resp.Question[0].Name) != dnsname.Canonical(m.Question[0].Name) {
		return nil, fmt.Errorf("answer does not match the question %s", m.Question[0].String())
	}
	return resp, nil
}

// nsHosts returns the sorted, distinct NS hosts of the answer owned by zone.
func nsHosts(m *dns.Msg, zone string) []string {
	var hosts []string
	for _, rr := range m.Answer {
		if ns, ok := rr.(*dns.NS); ok && dnsname.Canonical(ns.Hdr.Name) == zone {
			hosts = append(hosts, dnsname.Canonical(ns.Ns))
		}
	}
	slices.Sort(hosts)
	return slices.Compact(hosts)
}

// soaOf returns the first SOA of the answer owned by zone.
func soaOf(m *dns.Msg, zone string) SOA {
	for _, rr := range m.Answer {
		if s, ok := rr.(*dns.SOA); ok && dnsname.Canonical(s.Hdr.Name) == zone {
			return SOA{
				MName: dnsname.Canonical(s.Ns), RName: dnsname.Canonical(s.Mbox),
				Serial: s.Serial, Refresh: s.Refresh, Retry: s.Retry, Expire: s.Expire, Minimum: s.Minttl,
			}
		}
	}
	return SOA{}
}

// addrsOf returns the A and AAAA records of the answer owned by host or by
// a name its CNAME chain in the answer leads to.
func addrsOf(m *dns.Msg, host string) []netip.Addr {
	names := []string{host}
	for changed := true; changed && len(names) <= len(m.Answer); {
		changed = false
		for _, rr := range m.Answer {
			c, ok := rr.(*dns.CNAME)
			if !ok || !slices.Contains(names, dnsname.Canonical(c.Hdr.Name)) {
				continue
			}
			if t := dnsname.Canonical(c.Target); !slices.Contains(names, t) {
				names, changed = append(names, t), true
			}
		}
	}
	var addrs []netip.Addr
	for _, rr := range m.Answer {
		var ip []byte
		switch v := rr.(type) {
		case *dns.A:
			ip = v.A
		case *dns.AAAA:
			ip = v.AAAA
		default:
			continue
		}
		a, ok := netip.AddrFromSlice(ip)
		if ok && slices.Contains(names, dnsname.Canonical(rr.Header().Name)) {
			addrs = append(addrs, a.Unmap())
		}
	}
	return addrs
}

// mergeAddrs returns the sorted union of a and b.
func mergeAddrs(a, b []netip.Addr) []netip.Addr {
	a = append(a, b...)
	slices.SortFunc(a, netip.Addr.Compare)
	return slices.Compact(a)
}
