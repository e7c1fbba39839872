// Package components is the one list of dnsvigil's built-in inputs, enrichers
// and detectors, and the root of its configuration. Adding a component means
// one line here and a section in Config; nothing else outside the
// component's own folder changes.
package components

import (
	"github.com/dnsvigil/dnsvigil/internal/detect"
	"github.com/dnsvigil/dnsvigil/internal/detect/configchange"
	"github.com/dnsvigil/dnsvigil/internal/detect/delegation"
	"github.com/dnsvigil/dnsvigil/internal/detect/resolver"
	"github.com/dnsvigil/dnsvigil/internal/detect/tunnel"
	"github.com/dnsvigil/dnsvigil/internal/detect/volume"
	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/enrich"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/defender"
	"github.com/dnsvigil/dnsvigil/internal/input/pcap"
	"github.com/dnsvigil/dnsvigil/internal/input/querylog"
	"github.com/dnsvigil/dnsvigil/internal/input/sysmon"
	"github.com/dnsvigil/dnsvigil/internal/input/zeek"
	"github.com/dnsvigil/dnsvigil/internal/pipeline"
)

// Formats returns the input formats, in the order their Sniff is tried.
func Formats() []input.Format {
	formats := []input.Format{
		pcap.Format(),
		zeek.Format(),
		querylog.Format(),
	}
	formats = append(formats, sysmon.Formats()...)
	return append(formats, defender.Formats()...)
}

// Built is what Build assembles from a Config.
type Built struct {
	Enrichers []pipeline.Enricher
	Detectors []detect.Detector
	// Options are the decoder options for this configuration: resource
	// records are decoded only when a detector reads them.
	Options input.Options
}

// Build constructs the enrichers and detectors a configuration asks for.
func Build(cfg Config) (Built, error) {
	psl := dnsname.NewPSL(dnsname.PSLOptions{Private: cfg.Names.PrivateSuffixes})
	cat, err := resolver.LoadCatalogue()
	if err != nil {
		return Built{}, err
	}
	res, err := resolver.New(cfg.Detectors.Resolver, resolver.Deps{Catalogue: cat})
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
	dets := []detect.Detector{res, vol, cfgc, tun, del}
	opts := cfg.InputOptions()
	opts.HeaderOnly = !detect.AnyUsesRecords(dets)
	return Built{
		Enrichers: []pipeline.Enricher{enrich.NewNames(psl)},
		Detectors: dets,
		Options:   opts,
	}, nil
}
