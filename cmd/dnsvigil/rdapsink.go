package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/detect/authns"
	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/rdap"
	"github.com/dnsvigil/dnsvigil/internal/sink"
)

// youngDomain is the registration age below which an authns finding is
// raised a level: adversaries register domains for a campaign shortly
// before they use them.
const youngDomain = 30 * 24 * time.Hour

// rdapSink adds the registration facts of an alert's domain from RDAP
// (enrich.rdap) before passing the alert on. It runs on findings only,
// after detection, so the network is asked once per alerting domain (and
// the disk cache answers repeats); a lookup that fails, is refused by the
// rate limit or times out leaves the alert as it was, with the reason.
type rdapSink struct {
	next   sink.Sink
	client *rdap.Client
	psl    *dnsname.PSL
	failed int64
}

func (s *rdapSink) Write(a *alert.Alert) error {
	if a.Domain != "" {
		s.enrich(a)
	}
	return s.next.Write(a)
}

func (s *rdapSink) Close() error { return s.next.Close() }

func (s *rdapSink) enrich(a *alert.Alert) {
	dom := s.psl.Domain(a.Domain)
	if dom == "" {
		return
	}
	info, err := s.client.Lookup(context.Background(), dom)
	if err != nil {
		s.failed++
		reason := "lookup failed"
		switch {
		case errors.Is(err, rdap.ErrNotFound):
			reason = "not registered (RDAP 404)"
		case errors.Is(err, rdap.ErrNoService):
			reason = "no RDAP service for the TLD"
		case errors.Is(err, rdap.ErrRateLimited):
			reason = "rate limited"
		}
		a.Evidence = append(a.Evidence, alert.Field{Name: "rdap", Value: reason})
		return
	}
	a.Evidence = append(a.Evidence, alert.Field{Name: "rdap_source", Value: info.Source})
	if info.Registrar != "" {
		a.Evidence = append(a.Evidence, alert.Field{Name: "registrar", Value: info.Registrar})
	}
	age, ok := info.AgeAt(a.Time)
	if !ok {
		return
	}
	days := int64(age / (24 * time.Hour))
	a.Evidence = append(a.Evidence,
		alert.Field{Name: "domain_registered", Value: info.Registered.UTC()},
		alert.Field{Name: "domain_age_days", Value: days})
	if age < youngDomain && a.RuleID == authns.RuleID && a.Severity < alert.SeverityCritical {
		a.Severity++
		a.Summary += fmt.Sprintf("; the domain was registered %d days before (RDAP), severity raised", days)
		a.Evidence = append(a.Evidence, alert.Field{Name: "young_domain", Value: true})
	}
}
