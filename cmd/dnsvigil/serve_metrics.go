package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serveMetrics holds the daemon's Prometheus registry. Counters the engine
// keeps itself (events, queue depths, detector state) are read at scrape
// time by a collector; alerts and latencies are recorded as they happen.
type serveMetrics struct {
	reg        *prometheus.Registry
	alerts     *prometheus.CounterVec
	latency    prometheus.Histogram
	reloads    *prometheus.CounterVec
	suppressed atomic.Int64
}

func newServeMetrics(d *daemon) *serveMetrics {
	m := &serveMetrics{reg: prometheus.NewRegistry()}
	m.alerts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dnsvigil_alerts_total", Help: "Alerts raised, by rule.",
	}, []string{"rule"})
	m.latency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "dnsvigil_alert_latency_seconds",
		Help:    "Time from the arrival of the event batch that raised an alert to the alert, in the engine.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dnsvigil_reloads_total", Help: "Configuration reloads (SIGHUP), by result.",
	}, []string{"result"})
	m.reg.MustRegister(m.alerts, m.latency, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&engineCollector{d: d, m: m})
	return m
}

func (m *serveMetrics) countAlert(a *alert.Alert) { m.alerts.WithLabelValues(a.RuleID).Inc() }

func (m *serveMetrics) observeAlert(_ *alert.Alert, latency time.Duration) {
	m.latency.Observe(latency.Seconds())
}

// engineCollector reads the engine's, the sources' and the outputs' own
// counters at scrape time.
type engineCollector struct {
	d *daemon
	m *serveMetrics
}

var (
	descSourceEvents = prometheus.NewDesc("dnsvigil_source_events_total", "Events received, by source.", []string{"source"}, nil)
	descSourceErrors = prometheus.NewDesc("dnsvigil_decode_errors_total", "Records that could not be decoded and were skipped, by source.", []string{"source"}, nil)
	descSourceCount  = prometheus.NewDesc("dnsvigil_source_counter", "A source's own counters (frames, bytes, rotations, kernel drops, ...), by source and counter name.", []string{"source", "counter"}, nil)
	descFallbacks    = prometheus.NewDesc("dnsvigil_decode_fallbacks_total", "DNS messages the fast parser refused and the full parser decoded, by source.", []string{"source"}, nil)
	descSourceUp     = prometheus.NewDesc("dnsvigil_source_running", "1 while a source runs, 0 once it has stopped.", []string{"source"}, nil)
	descEvents       = prometheus.NewDesc("dnsvigil_events_total", "Events processed by the detectors.", nil, nil)
	descDetEvents    = prometheus.NewDesc("dnsvigil_detector_events_total", "Events passed to each detector.", []string{"detector"}, nil)
	descDetCount     = prometheus.NewDesc("dnsvigil_detector_counter", "A detector's own counters (keys tracked, evictions, alerts, ...), by detector and counter name.", []string{"detector", "counter"}, nil)
	descEvictions    = prometheus.NewDesc("dnsvigil_state_evictions_total", "Entries evicted from bounded detector state, by detector and counter.", []string{"detector", "counter"}, nil)
	descLate         = prometheus.NewDesc("dnsvigil_events_late_total", "Events later than the reorder window.", nil, nil)
	descIdle         = prometheus.NewDesc("dnsvigil_idle_advances_total", "Times the detectors' clock followed the wall clock while no event came.", nil, nil)
	descWatermark    = prometheus.NewDesc("dnsvigil_event_time_seconds", "Newest event time processed (Unix seconds).", nil, nil)
	descQueue        = prometheus.NewDesc("dnsvigil_queue_depth", "Items waiting: event batches for the engine, alerts per output.", []string{"queue"}, nil)
	descQueueCap     = prometheus.NewDesc("dnsvigil_queue_capacity", "Capacity of each queue.", []string{"queue"}, nil)
	descDelivered    = prometheus.NewDesc("dnsvigil_output_delivered_total", "Alerts delivered, by output.", []string{"output"}, nil)
	descDropped      = prometheus.NewDesc("dnsvigil_output_dropped_total", "Alerts dropped because the output's queue was full, by output.", []string{"output"}, nil)
	descFailed       = prometheus.NewDesc("dnsvigil_output_failed_total", "Alerts the output failed to deliver, by output.", []string{"output"}, nil)
	descSuppressed   = prometheus.NewDesc("dnsvigil_alerts_suppressed_total", "Alert reports not delivered again after a restart (in the checkpoint's ledger).", nil, nil)
	descCheckpoint   = prometheus.NewDesc("dnsvigil_checkpoint_timestamp_seconds", "Time of the last checkpoint written.", nil, nil)
	descCkptFail     = prometheus.NewDesc("dnsvigil_checkpoint_failures_total", "Checkpoint writes that failed.", nil, nil)
)

func (c *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	prometheus.DescribeByCollect(c, ch)
}

func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	d := c.d
	st := d.stream.Stats()
	counter := func(desc *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
	}
	for i := range st.Sources {
		s := &st.Sources[i]
		counter(descSourceEvents, s.Events.Load(), s.Name)
		counter(descSourceErrors, s.Errors.Load(), s.Name)
		up := 1.0
		if s.Stopped.Load() {
			up = 0
		}
		gauge(descSourceUp, up, s.Name)
		if cn, ok := d.stream.Sources[i].(input.Counter); ok {
			var fallbacks int64
			for _, k := range cn.Counts() {
				gauge(descSourceCount, float64(k.Value), s.Name, k.Name)
				if strings.Contains(k.Name, "fallback") {
					fallbacks += k.Value
				}
			}
			counter(descFallbacks, fallbacks, s.Name)
		}
	}
	events := st.Events.Load()
	counter(descEvents, events)
	for _, ds := range st.Detectors() {
		counter(descDetEvents, events, ds.Name)
		for _, k := range ds.Counts {
			gauge(descDetCount, float64(k.Value), ds.Name, k.Name)
			if strings.Contains(k.Name, "evict") {
				counter(descEvictions, k.Value, ds.Name, k.Name)
			}
		}
	}
	counter(descLate, st.Late.Load())
	counter(descIdle, st.IdleAdvances.Load())
	if w := st.Watermark.Load(); w != 0 {
		gauge(descWatermark, float64(w)/1e9)
	}
	depth, capacity := d.stream.QueueDepth()
	gauge(descQueue, float64(depth), "engine")
	gauge(descQueueCap, float64(capacity), "engine")
	for _, q := range d.outputs.Queues() {
		gauge(descQueue, float64(q.Depth()), "output:"+q.Name())
		gauge(descQueueCap, float64(q.Capacity()), "output:"+q.Name())
		counter(descDelivered, q.Delivered(), q.Name())
		counter(descDropped, q.Dropped(), q.Name())
		counter(descFailed, q.Failed(), q.Name())
	}
	counter(descSuppressed, c.m.suppressed.Load())
	if t := d.checkpointOK.Load(); t != 0 {
		gauge(descCheckpoint, float64(t)/1e9)
	}
	counter(descCkptFail, d.checkpointFail.Load())
}

// handler serves /metrics and /healthz.
func (d *daemon) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", d.healthz)
	return mux
}

// health is the /healthz document.
type health struct {
	Status  string         `json:"status"`
	Sources []sourceHealth `json:"sources"`
	// CheckpointAge is the seconds since the last checkpoint, when one is
	// kept.
	CheckpointAge *float64 `json:"checkpoint_age_seconds,omitempty"`
	Problems      []string `json:"problems,omitempty"`
}

type sourceHealth struct {
	Name    string `json:"name"`
	Running bool   `json:"running"`
	Events  int64  `json:"events"`
	Errors  int64  `json:"errors"`
}

// healthz answers 200 while the engine runs and the checkpoint (when one is
// kept) is fresh, 503 with the problems otherwise.
func (d *daemon) healthz(w http.ResponseWriter, _ *http.Request) {
	h := health{Status: "ok"}
	st := d.stream.Stats()
	running := 0
	for i := range st.Sources {
		s := &st.Sources[i]
		sh := sourceHealth{Name: s.Name, Running: !s.Stopped.Load(), Events: s.Events.Load(), Errors: s.Errors.Load()}
		if sh.Running {
			running++
		}
		h.Sources = append(h.Sources, sh)
	}
	if running == 0 {
		h.Problems = append(h.Problems, "no source is running")
	}
	if d.cfg.Serve.Checkpoint != "" {
		if t := d.checkpointOK.Load(); t != 0 {
			age := time.Since(time.Unix(0, t)).Seconds()
			h.CheckpointAge = &age
			if age > 10*d.cfg.Serve.CheckpointInterval.Seconds()+d.cfg.Serve.DrainTimeout.Seconds() {
				h.Problems = append(h.Problems, "checkpoint is stale")
			}
		}
	}
	code := http.StatusOK
	if len(h.Problems) > 0 {
		h.Status, code = "unhealthy", http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(h)
}
