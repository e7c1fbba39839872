package resolve

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/store"
)

// Facts returns the result as passive-DNS store facts observed at t: the
// NS records of the domain, the A and AAAA records of its name servers and
// its SOA, all in the answer section, in the same data forms the store's
// Recorder writes for records read from telemetry (NS host without the
// trailing dot; SOA "mname rname serial refresh retry expire minimum").
// A failed lookup has no facts.
func (res Result) Facts(t time.Time) []store.Fact {
	if res.Err != nil {
		return nil
	}
	var facts []store.Fact
	rr := func(name string, typ uint16, data string) {
		facts = append(facts, store.Fact{Kind: store.KindRR, Name: name, Type: typ, Data: data, Section: store.SectionAnswer, Time: t})
	}
	for _, host := range res.NS {
		rr(res.Domain, typeNS, host)
	}
	for _, host := range res.NS {
		for _, a := range res.NSAddrs[host] {
			rr(host, addrType(a), a.String())
		}
	}
	if s := res.SOA; s.MName != "" {
		b := make([]byte, 0, len(s.MName)+len(s.RName)+56)
		b = append(append(append(append(b, s.MName...), ' '), s.RName...), ' ')
		for i, v := range [...]uint32{s.Serial, s.Refresh, s.Retry, s.Expire, s.Minimum} {
			if i > 0 {
				b = append(b, ' ')
			}
			b = strconv.AppendUint(b, uint64(v), 10)
		}
		rr(res.Domain, typeSOA, string(b))
	}
	return facts
}

// Record types of the facts.
const (
	typeA    = 1
	typeNS   = 2
	typeSOA  = 6
	typeAAAA = 28
)

func addrType(a netip.Addr) uint16 {
	if a.Is4() {
		return typeA
	}
	return typeAAAA
}
