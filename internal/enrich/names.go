// Package enrich holds the inline enrichers: local, deterministic steps that
// fill event.Enrich before detectors see an event. Detectors read the result
// and never call an enricher themselves.
package enrich

import (
	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// Names fills the registrable domain, public suffix and label count of a DNS
// event's query name. It does not allocate: the results are substrings of
// ev.DNS.QName and share its lifetime.
type Names struct {
	psl *dnsname.PSL
}

// NewNames returns a Names enricher over psl.
func NewNames(psl *dnsname.PSL) *Names { return &Names{psl: psl} }

// Enrich implements the pipeline's Enricher.
func (n *Names) Enrich(ev *event.Event) {
	if ev.Kind != event.KindDNS || ev.DNS.QName == "" {
		return
	}
	p := n.psl.Split(ev.DNS.QName)
	ev.Enrich.Domain = p.Domain
	ev.Enrich.Suffix = p.Suffix
	ev.Enrich.Labels = p.Labels
}
