// Package components is the one list of dnsvigil's built-in inputs, enrichers
// and detectors, and the root of its configuration. Adding a component means
// one line here and a section in Config; nothing else outside the
// component's own folder changes.
package components

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/detect/authns"
	"github.com/dnsvigil/dnsvigil/internal/detect/configchange"
	"github.com/dnsvigil/dnsvigil/internal/detect/delegation"
	"github.com/dnsvigil/dnsvigil/internal/detect/intelmatch"
	"github.com/dnsvigil/dnsvigil/internal/detect/resolver"
	"github.com/dnsvigil/dnsvigil/internal/detect/tunnel"
	"github.com/dnsvigil/dnsvigil/internal/detect/volume"
	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/enrich"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/defender"
	"github.com/dnsvigil/dnsvigil/internal/input/dnstap"
	"github.com/dnsvigil/dnsvigil/internal/input/eve"
	"github.com/dnsvigil/dnsvigil/internal/input/pcap"
	"github.com/dnsvigil/dnsvigil/internal/input/querylog"
	"github.com/dnsvigil/dnsvigil/internal/input/sysmon"
	"github.com/dnsvigil/dnsvigil/internal/input/windns"
	"github.com/dnsvigil/dnsvigil/internal/input/zeek"
	"github.com/dnsvigil/dnsvigil/internal/intel"
	"github.com/dnsvigil/dnsvigil/internal/pipeline"
)

// Formats returns the input formats, in the order their Sniff is tried.
func Formats() []input.Format {
	formats := []input.Format{
		pcap.Format(),
		dnstap.Format(),
		eve.Format(),
		zeek.Format(),
		querylog.Format(),
		querylog.BINDFormat(),
		querylog.UnboundFormat(),
	}
	// The Windows DNS Server formats go before Sysmon's, whose sniffs take
	// any Windows event XML or JSON.
	formats = append(formats, windns.Formats()...)
	formats = append(formats, sysmon.Formats()...)
	return append(formats, defender.Formats()...)
}

// followable are the line-oriented formats a followed log may have.
var followable = []string{
	"dnsmasq", "bind-querylog", "unbound-log", "eve", "zeek",
	"windns-debug", "windns-analytic-json", "sysmon-json", "defender-json",
}

// TextFormat returns the line-oriented format of that name, for a followed
// log.
func TextFormat(name string) (input.Format, bool) {
	if !slices.Contains(followable, name) {
		return input.Format{}, false
	}
	for _, f := range Formats() {
		if f.Name == name {
			return f, true
		}
	}
	return input.Format{}, false
}

// TextFormatNames lists the formats TextFormat knows.
func TextFormatNames() []string { return slices.Clone(followable) }

// Built is what Build assembles from a Config.
type Built struct {
	Enrichers []pipeline.Enricher
	Detectors []detect.Detector
	// Options are the decoder options for this configuration: resource
	// records are decoded only when a detector reads them.
	Options input.Options
	// Notes say what was loaded (intel files) and what was skipped in it,
	// for the run's report.
	Notes []string
}

// Extras are run-time inputs of Build that are not configuration.
type Extras struct {
	// History is the delegation history of earlier scans, loaded from the
	// passive-DNS store (scan --store), for the authns detector.
	History *authns.History
	// Authoritative are addresses of name servers known from earlier scans,
	// with a zone each serves, for the resolver detector.
	Authoritative map[netip.Addr]string
}

// Build constructs the enrichers and detectors a configuration asks for.
func Build(cfg Config) (Built, error) { return BuildWith(cfg, Extras{}) }

// BuildWith is Build with run-time extras.
func BuildWith(cfg Config, x Extras) (Built, error) {
	psl := dnsname.NewPSL(dnsname.PSLOptions{Private: cfg.Names.PrivateSuffixes})
	cat, err := resolver.LoadCatalogue()
	if err != nil {
		return Built{}, err
	}
	res, err := resolver.New(cfg.Detectors.Resolver, resolver.Deps{Catalogue: cat, Authoritative: x.Authoritative})
	if err != nil {
		return Built{}, err
	}
	vol, err := volume.New(cfg.Detectors.Volume)
	if err != nil {
		return Built{}, err
	}
	cfgc, err := configchange.New(cfg.Detectors.ConfigChange, configchange.Deps{Catalogue: cat})
	if err != nil {
		return Built{}, err
	}
	tun, err := tunnel.New(cfg.Detectors.Tunnel)
	if err != nil {
		return Built{}, err
	}
	del, err := delegation.New(cfg.Detectors.Delegation)
	if err != nil {
		return Built{}, err
	}
	set, notes, err := loadIntel(cfg.Intel.Files)
	if err != nil {
		return Built{}, err
	}
	im, err := intelmatch.New(cfg.Detectors.Intel, set)
	if err != nil {
		return Built{}, err
	}
	an, err := authns.New(cfg.Detectors.AuthNS, authns.Deps{PSL: psl, Intel: set, History: x.History})
	if err != nil {
		return Built{}, err
	}
	dets := []detect.Detector{res, vol, cfgc, tun, del, im, an}
	opts := cfg.InputOptions()
	opts.HeaderOnly = !detect.AnyUsesRecords(dets)
	return Built{
		Enrichers: []pipeline.Enricher{enrich.NewNames(psl)},
		Detectors: dets,
		Options:   opts,
		Notes:     notes,
	}, nil
}

// loadIntel loads the intel files into one set. A file that cannot be read
// or recognised is an error; entries skipped inside a file are reported in
// the notes with the first problems.
func loadIntel(files []string) (*intel.Set, []string, error) {
	var all [][]intel.Indicator
	var notes []string
	for _, f := range files {
		inds, st, err := intel.LoadFile(f)
		if err != nil {
			return nil, nil, fmt.Errorf("intel: %w", err)
		}
		all = append(all, inds)
		note := fmt.Sprintf("intel %s: %d indicators loaded, %d entries skipped", f, st.Loaded, st.Skipped)
		for i, p := range st.Problems {
			if i == 3 {
				note += fmt.Sprintf("; and %d more problems", len(st.Problems)-3)
				break
			}
			note += "; " + p.Error()
		}
		notes = append(notes, note)
	}
	return intel.NewSet(all...), notes, nil
}
