package incident

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
)

// Rule id prefixes the severity rule looks for. A configuration change that
// sets a DNS server comes from a DNSV-CFG rule; DNS traffic to a server
// comes from a DNSV-RES or DNSV-CFG rule whose alert names it in Server.
const (
	ChangePrefix = "DNSV-CFG"
	trafficRES   = "DNSV-RES-"
	trafficCFG   = "DNSV-CFG-"
)

// serverFields are the evidence fields of a change alert that name the
// servers it set, besides the alert's Server.
var serverFields = [...]string{"servers", "new_servers"}

// mark identifies one alert in the sequence rule, so that a change alert
// is not taken as the traffic that follows itself.
type mark struct {
	t    time.Time
	rule string
	key  string
}

// change is a configuration change and the servers it set.
type change struct {
	mark
	servers []netip.Addr
}

// sequence remembers what the change-then-traffic rule needs: the earliest
// changes and, per server, the two latest traffic alerts with distinct
// identities. Both are capped.
type sequence struct {
	changes  []change
	traffic  map[netip.Addr][2]mark
	overflow int
}

func (s *sequence) add(a *alert.Alert, t time.Time, limit int) {
	m := mark{t: t, rule: a.RuleID, key: a.Key}
	if strings.HasPrefix(a.RuleID, ChangePrefix) {
		if servers := changedServers(a, limit); len(servers) > 0 {
			s.addChange(change{mark: m, servers: servers}, limit)
		}
	}
	if a.Server.IsValid() && (strings.HasPrefix(a.RuleID, trafficRES) || strings.HasPrefix(a.RuleID, trafficCFG)) {
		s.addTraffic(a.Server.Unmap(), m, limit)
	}
}

// addChange keeps the limit earliest changes.
func (s *sequence) addChange(c change, limit int) {
	if len(s.changes) < limit {
		s.changes = append(s.changes, c)
		return
	}
	s.overflow++
	latest := 0
	for i := range s.changes {
		if s.changes[i].t.After(s.changes[latest].t) {
			latest = i
		}
	}
	if c.t.Before(s.changes[latest].t) {
		s.changes[latest] = c
	}
}

// addTraffic records traffic to server, keeping the two latest marks.
func (s *sequence) addTraffic(server netip.Addr, m mark, limit int) {
	pair, ok := s.traffic[server]
	if !ok && len(s.traffic) >= limit {
		s.overflow++
		return
	}
	switch {
	case !ok:
		pair = [2]mark{m}
	case m == pair[0] || m == pair[1]:
		return
	case m.t.After(pair[0].t):
		pair = [2]mark{m, pair[0]}
	case pair[1].t.IsZero() || m.t.After(pair[1].t):
		pair[1] = m
	}
	if s.traffic == nil {
		s.traffic = make(map[netip.Addr][2]mark)
	}
	s.traffic[server] = pair
}

func (s *sequence) merge(o *sequence, limit int) {
	for _, c := range o.changes {
		s.addChange(c, limit)
	}
	for server, pair := range o.traffic {
		for _, m := range pair {
			if !m.t.IsZero() {
				s.addTraffic(server, m, limit)
			}
		}
	}
	s.overflow += o.overflow
}

// followed returns a sentence describing the earliest change whose server
// later received DNS traffic, and false when there is none.
func (s *sequence) followed() (string, bool) {
	changes := slices.Clone(s.changes)
	slices.SortFunc(changes, func(a, b change) int { return compareMarks(a.mark, b.mark) })
	for _, c := range changes {
		for _, server := range c.servers {
			for _, m := range s.traffic[server] {
				if m.t.IsZero() || m.t.Before(c.t) || m == c.mark {
					continue
				}
				return fmt.Sprintf("configuration change %s at %s set DNS server %s and DNS traffic to it followed (%s at %s)",
					c.rule, formatTime(c.t), server, m.rule, formatTime(m.t)), true
			}
		}
	}
	return "", false
}

func compareMarks(a, b mark) int {
	if c := a.t.Compare(b.t); c != 0 {
		return c
	}
	if c := strings.Compare(a.rule, b.rule); c != 0 {
		return c
	}
	return strings.Compare(a.key, b.key)
}

// changedServers returns the servers a change alert set: its Server and the
// addresses in its "servers" and "new_servers" evidence, at most limit.
func changedServers(a *alert.Alert, limit int) []netip.Addr {
	var out []netip.Addr
	addOne := func(ip netip.Addr) {
		if ip.IsValid() && len(out) < limit && !slices.Contains(out, ip) {
			out = append(out, ip.Unmap())
		}
	}
	addOne(a.Server)
	for _, name := range serverFields {
		if v, ok := a.Get(name); ok {
			eachAddr(v, addOne)
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// eachAddr calls f for every address in an evidence value: an address, an
// address and port, a string of them separated by commas or spaces, or a
// slice of any of those.
func eachAddr(v any, f func(netip.Addr)) {
	switch v := v.(type) {
	case netip.Addr:
		f(v)
	case netip.AddrPort:
		f(v.Addr())
	case string:
		for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
			f(parseAddr(s))
		}
	case []string:
		for _, s := range v {
			eachAddr(s, f)
		}
	case []netip.Addr:
		for _, a := range v {
			f(a)
		}
	case []netip.AddrPort:
		for _, a := range v {
			f(a.Addr())
		}
	case []any:
		for _, x := range v {
			eachAddr(x, f)
		}
	case fmt.Stringer:
		eachAddr(v.String(), f)
	}
}

// parseAddr parses "192.0.2.1", "192.0.2.1:53", "[2001:db8::1]:53" or
// "2001:db8::1"; the zero Addr when s is none of those.
func parseAddr(s string) netip.Addr {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap()
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
