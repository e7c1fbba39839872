package components

import (
	"strings"

	"github.com/dnsvigil/dnsvigil/internal/detect/authns"
	"github.com/dnsvigil/dnsvigil/internal/detect/configchange"
	"github.com/dnsvigil/dnsvigil/internal/detect/delegation"
	"github.com/dnsvigil/dnsvigil/internal/detect/intelmatch"

	"github.com/dnsvigil/dnsvigil/internal/detect/resolver"
	"github.com/dnsvigil/dnsvigil/internal/detect/tunnel"
	"github.com/dnsvigil/dnsvigil/internal/detect/volume"
	"github.com/dnsvigil/dnsvigil/internal/incident"
)

const inputYAML = `# dnsvigil configuration. Every key is shown with its default value; a key
# left out keeps its default. Unknown keys are errors. Validate a file with
# 'dnsvigil check FILE'.

# Decoder settings shared by every input.
input:
  # UDP and TCP ports whose payload is decoded as DNS (TCP 853 is always
  # recorded as DNS over TLS).
  dns_ports: [53]
  # How long a query waits for its response before it is reported alone.
  pair_timeout: 5s
  # Queries waiting for a response, at most; beyond it the oldest is
  # reported alone (counted in the summary).
  max_pending: 65536
  # TCP streams under reassembly, at most (DNS over TCP).
  max_tcp_streams: 4096
  # Longest line of a text input; a longer line is skipped and reported.
  max_line_bytes: 1048576
  # Events are re-sorted by event time within this window: Zeek writes a
  # record when an exchange or connection ends, a pcap reports an unanswered
  # query after pair_timeout. An event later than the window is passed on
  # as it comes (counted). 0 turns re-sorting off.
  reorder_window: 30s
  # Events held for re-sorting, at most; a full buffer releases early.
  reorder_max: 8192

# Name enrichment.
names:
  # Use the PRIVATE section of the public suffix list too (blogspot.com,
  # dynamic-DNS providers). Off: foo.dyndns.org has the registrable domain
  # dyndns.org, which is usually what an analyst wants to see.
  private_suffixes: false

# Threat intelligence: STIX 2.1 bundles, MISP JSON exports and plain lists
# (one domain, IP or CIDR a line), recognised from their content; relative
# paths are taken from the working directory. Query names, answer addresses,
# name servers and DNS servers are matched (detectors.intel).
intel:
  files: []
    # - /etc/dnsvigil/intel/misp-export.json

# Enrichments that ask the network, run on findings only (never per event).
enrich:
  # RDAP: the registration date, registrar and status of an alert's
  # registrable domain, through the IANA bootstrap; a zone on suspicious name
  # servers registered less than 30 days before is raised a severity level.
  rdap:
    enabled: false
    # Answers are cached here, one file per domain ("" keeps no cache).
    cache_dir: ""
    cache_ttl: 168h0m0s
    # How long "not registered" (404) answers are kept.
    negative_ttl: 24h0m0s
    # Per lookup, bootstrap included.
    timeout: 10s
    # Lookups per minute; past it an alert is left without registration facts.
    rate_per_minute: 30
    bootstrap_url: https://data.iana.org/rdap/
    # One RDAP server for every query instead of the bootstrap ("" = bootstrap).
    server_url: ""
    max_response_bytes: 4194304

# Active lookups (scan --resolve, pivot --resolve): NS, SOA and the servers'
# addresses of domains the data never showed, asked only of these resolvers
# and of every single-address approved resolver (detectors.resolver.approved).
resolve:
  resolvers: []
  # Domain lookups per second (each sends up to 2 + 2 x max_ns_hosts queries).
  rate_per_second: 5
  burst: 5
  # Per query and resolver.
  timeout: 2s
  # Domains looked up per run, at most.
  max_lookups: 1000
  # Name servers whose addresses are looked up, per domain.
  max_ns_hosts: 8

detectors:
`

// DefaultYAML returns the documented default configuration, printed by
// `dnsvigil config default`. A test checks that it decodes to DefaultConfig.
func DefaultYAML() []byte {
	var b strings.Builder
	b.WriteString(inputYAML)
	section(&b, "resolver", resolver.ExampleConfig)
	section(&b, "volume", volume.ExampleConfig)
	section(&b, "configchange", configchange.ExampleConfig)
	section(&b, "tunnel", tunnel.ExampleConfig)
	section(&b, "delegation", delegation.ExampleConfig)
	section(&b, "intel", intelmatch.ExampleConfig)
	section(&b, "authns", authns.ExampleConfig)
	b.WriteString("# Incidents (dnsvigil scan --incidents): the alerts of one host, grouped.\n")
	b.WriteString("incidents:\n")
	indent(&b, incident.ExampleConfig)
	b.WriteString(serveYAML)
	return []byte(b.String())
}

// section writes one detector's documented config, indented under its key.
func section(b *strings.Builder, name, body string) {
	b.WriteString("  " + name + ":\n")
	for _, line := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		if line == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("    " + line + "\n")
	}
	b.WriteString("\n")
}

// indent writes a top-level section's documented config under its key.
func indent(b *strings.Builder, body string) {
	for _, line := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		if line == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("  " + line + "\n")
	}
}

const serveYAML = `
# dnsvigil serve: the live inputs, the alert outputs and how the daemon
# keeps its place. 'dnsvigil scan' ignores this section.
serve:
  # Live inputs (at least one for serve), each a name and one type section;
  # a type section's keys left out keep the defaults shown. docs/serve.md
  # and docs/inputs/ describe each.
  sources: []
    # A dnstap socket that BIND, Unbound, Knot Resolver or CoreDNS send to.
    # - name: resolver
    #   dnstap:
    #     socket: /run/dnsvigil/dnstap.sock
    #     socket_mode: 0660
    #     tcp: ""
    #     max_connections: 64
    #     handshake_timeout: 10s
    # A log file followed across rotations (rename, copytruncate, gzip).
    # - name: dnsmasq
    #   follow:
    #     path: /var/log/dnsmasq.log
    #     format: dnsmasq
    #     start_at: end
    #     replay_max_bytes: 1073741824
    # A live capture (AF_PACKET); needs CAP_NET_RAW.
    # - name: lan
    #   capture:
    #     interface: eth0
    #     ports: [53, 853]
    #     ring_mb: 32
    # Files read once, then the source ends.
    # - file:
    #     paths: [/data/capture.pcap]
  # Alert outputs, each a name, an optional queue size and one type
  # section; none writes JSON lines to standard output.
  outputs: []
    # - jsonl:
    #     path: /var/log/dnsvigil/alerts.jsonl
    #     max_bytes: 104857600
    #     max_files: 10
    # - stdout: {}
    # - syslog:
    #     network: udp
    #     address: siem.example.net:514
    #     facility: local0
    #     message: summary
    # - name: soar
    #   webhook:
    #     url: https://soar.example.net/hooks/dnsvigil
    #     headers: {Authorization: "Bearer TOKEN"}
    #     timeout: 10s
    #     retries: 5
  # /metrics (Prometheus) and /healthz; "" turns them off.
  listen: 127.0.0.1:9153
  # Source positions and delivered alerts, for restarts ("" keeps none).
  checkpoint: ""
  checkpoint_interval: 1s
  # Delivered alert reports remembered, so a replay does not repeat them.
  ledger: 100000
  # Alerts waiting per output; past it they are dropped and counted, and
  # the drops are reported as an alert (DNSV-OPS-001).
  queue: 10000
  # Without events for this long, the detectors' clock follows the wall
  # clock so windows close (0: never).
  idle_advance: 2s
  # At a stop, how long outputs may take to deliver what is queued.
  drain_timeout: 10s
  log_format: text
  log_level: info
`
