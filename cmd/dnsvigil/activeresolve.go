package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/detect/authns"
	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/resolve"
)

// activeResolver runs scan --resolve: once the input is read, the
// registrable domains that clients asked for and whose name servers no
// response showed are looked up through the approved resolvers, and each
// answer is fed to the detectors (and the store) as a response event from
// "dnsvigil --resolve". The authns detector then scores those zones for the
// client that asked first.
type activeResolver struct {
	r       *resolve.Resolver
	an      *authns.Detector
	max     int
	rate    float64
	stderr  io.Writer
	asked   int
	answers int
	failed  int
}

func newActiveResolver(rc resolve.Config, dets []detect.Detector, stderr io.Writer) (*activeResolver, error) {
	if len(rc.Resolvers) == 0 {
		return nil, errors.New("--resolve: no resolver to ask: list resolve.resolvers, or approved resolver addresses under detectors.resolver.approved")
	}
	if errs := rc.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("--resolve: %w", errors.Join(errs...))
	}
	var an *authns.Detector
	for _, d := range dets {
		if a, ok := d.(*authns.Detector); ok && a.UsesRecords() {
			an = a
		}
	}
	if an == nil {
		return nil, errors.New("--resolve: the authns detector is disabled (detectors.authns.enabled)")
	}
	r, err := resolve.New(rc, nil)
	if err != nil {
		return nil, fmt.Errorf("--resolve: %w", err)
	}
	rate := rc.RatePerSecond
	if rate <= 0 {
		rate = resolve.DefaultRatePerSecond
	}
	max := rc.MaxLookups
	if max <= 0 {
		max = resolve.DefaultMaxLookups
	}
	return &activeResolver{r: r, an: an, max: max, rate: rate, stderr: stderr}, nil
}

// finish is the pipeline's Finish hook. It waits for the rate limit rather
// than skipping domains: the wait is bounded by max_lookups / rate.
func (a *activeResolver) finish(watermark time.Time, feed func(*event.Event)) {
	ctx := context.Background()
	for _, dom := range a.an.Unresolved(a.max) {
		res, err := a.r.Lookup(ctx, dom)
		for errors.Is(err, resolve.ErrRateLimited) {
			time.Sleep(time.Duration(float64(time.Second) / a.rate))
			res, err = a.r.Lookup(ctx, dom)
		}
		if errors.Is(err, resolve.ErrBudget) {
			break
		}
		a.asked++
		if err != nil || res.Err != nil || len(res.NS) == 0 {
			a.failed++
			continue
		}
		a.answers++
		feed(lookupEvent(res, watermark))
	}
	fmt.Fprintf(a.stderr, "active lookups: %d domains asked, %d with name servers, %d without an answer\n", a.asked, a.answers, a.failed)
}

// lookupEvent turns an active lookup into a response event: the NS set as
// answers, the SOA in the authority section, the servers' addresses as
// additional records, from the resolver that answered.
func lookupEvent(res resolve.Result, t time.Time) *event.Event {
	ev := &event.Event{Kind: event.KindDNS, Time: t}
	ev.Host.Name = "dnsvigil --resolve"
	if ap, err := resolve.ParseServer(res.Resolver); err == nil {
		ev.Server = ap
	}
	ev.Source.Name = "active lookup"
	ev.DNS.HasResponse, ev.DNS.QName, ev.DNS.QType, ev.DNS.QClass = true, res.Domain, event.TypeNS, 1
	ev.DNS.RCode = uint16(res.Rcode)
	for _, h := range res.NS {
		ev.DNS.Answers = append(ev.DNS.Answers, event.RR{Name: res.Domain, Type: event.TypeNS, Class: 1, Data: h})
		for _, a := range res.NSAddrs[h] {
			typ := event.TypeA
			if a.Is6() && !a.Is4In6() {
				typ = event.TypeAAAA
			}
			ev.DNS.Additional = append(ev.DNS.Additional, event.RR{Name: h, Type: typ, Class: 1, Data: a.String()})
		}
	}
	if res.SOA.MName != "" {
		ev.DNS.Authority = append(ev.DNS.Authority, event.RR{Name: res.Domain, Type: event.TypeSOA, Class: 1,
			Data: fmt.Sprintf("%s %s %d %d %d %d %d", res.SOA.MName, res.SOA.RName, res.SOA.Serial, res.SOA.Refresh, res.SOA.Retry, res.SOA.Expire, res.SOA.Minimum)})
	}
	return ev
}
