package incident

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
)

// JSONWriter writes incidents as JSON lines shaped like the Elastic Common
// Schema, one incident per line. Strings from traffic and logs pass through
// escape.JSONString (domains through escape.Name) and the encoded line
// through escape.AppendJSONSafe, so a line never holds a raw control
// character, bidi override or HTML markup. It is not safe for concurrent
// use.
type JSONWriter struct {
	bw   *bufio.Writer
	enc  *json.Encoder
	buf  bytes.Buffer
	line []byte
	err  error
}

// NewJSONWriter returns a JSONWriter that writes to w through a buffer;
// Flush writes it out. Neither closes w.
func NewJSONWriter(w io.Writer) *JSONWriter {
	jw := &JSONWriter{bw: bufio.NewWriterSize(w, 64<<10)}
	jw.enc = json.NewEncoder(&jw.buf)
	jw.enc.SetEscapeHTML(true)
	return jw
}

// Write encodes inc as one line. It does not keep inc. After a write error
// every call returns that error.
func (jw *JSONWriter) Write(inc *Incident) error {
	if jw.err != nil {
		return jw.err
	}
	jw.buf.Reset()
	if err := jw.enc.Encode(newDocument(inc)); err != nil {
		return fmt.Errorf("encode incident %s: %w", inc.ID, err)
	}
	jw.line = escape.AppendJSONSafe(jw.line[:0], jw.buf.Bytes())
	if _, err := jw.bw.Write(jw.line); err != nil {
		jw.err = fmt.Errorf("write incident: %w", err)
	}
	return jw.err
}

// Flush writes buffered lines to the underlying writer.
func (jw *JSONWriter) Flush() error {
	if jw.err != nil {
		return jw.err
	}
	if err := jw.bw.Flush(); err != nil {
		jw.err = fmt.Errorf("write incidents: %w", err)
	}
	return jw.err
}

// document is one incident in ECS shape. Struct order is output order.
type document struct {
	Timestamp string      `json:"@timestamp"`
	Message   string      `json:"message"`
	Event     ecsEvent    `json:"event"`
	Host      named       `json:"host,omitzero"`
	Source    endpoint    `json:"source,omitzero"`
	DNSVigil  dnsvigilExt `json:"dnsvigil"`
}

type ecsEvent struct {
	Kind     string   `json:"kind"`
	Category []string `json:"category"`
	Module   string   `json:"module"`
	Severity int      `json:"severity"`
	Start    string   `json:"start,omitempty"`
	End      string   `json:"end,omitempty"`
}

type named struct {
	Name string `json:"name,omitempty"`
}

type endpoint struct {
	IP string `json:"ip,omitempty"`
}

type dnsvigilExt struct {
	Incident jsonIncident `json:"incident"`
}

type jsonIncident struct {
	ID           string         `json:"id"`
	Severity     string         `json:"severity"`
	BaseSeverity string         `json:"base_severity"`
	Raised       []string       `json:"raised,omitempty"`
	First        string         `json:"first"`
	Last         string         `json:"last"`
	Alerts       int            `json:"alerts"`
	Dropped      int            `json:"dropped,omitempty"`
	Evicted      bool           `json:"evicted,omitempty"`
	Rules        []jsonRule     `json:"rules"`
	Processes    []string       `json:"processes,omitempty"`
	Users        []string       `json:"users,omitempty"`
	Servers      []string       `json:"servers,omitempty"`
	Domains      []string       `json:"domains,omitempty"`
	Overflow     int            `json:"values_not_listed,omitempty"`
	Timeline     []jsonTimeline `json:"timeline"`
}

type jsonRule struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Count int    `json:"count"`
}

type jsonTimeline struct {
	Timestamp string `json:"@timestamp"`
	RuleID    string `json:"rule_id"`
	Severity  string `json:"severity"`
	Summary   string `json:"summary,omitempty"`
	Key       string `json:"key,omitempty"`
}

func newDocument(inc *Incident) *document {
	d := &document{
		Timestamp: formatTime(inc.First),
		Message:   escape.JSONString(inc.Summary),
		Event: ecsEvent{
			Kind:     "alert",
			Category: []string{"network"},
			Module:   "dnsvigil",
			Severity: int(inc.Severity),
			Start:    optTime(inc.Start),
			End:      optTime(inc.End),
		},
		Host:   named{escape.JSONString(inc.Host)},
		Source: endpoint{addrString(inc.Client)},
		DNSVigil: dnsvigilExt{jsonIncident{
			ID:           inc.ID,
			Severity:     inc.Severity.String(),
			BaseSeverity: inc.Base.String(),
			Raised:       mapStrings(inc.Raised, escape.JSONString),
			First:        formatTime(inc.First),
			Last:         formatTime(inc.Last),
			Alerts:       inc.Alerts,
			Dropped:      inc.Dropped,
			Evicted:      inc.Evicted,
			Processes:    mapStrings(inc.Processes, escape.JSONString),
			Users:        mapStrings(inc.Users, escape.JSONString),
			Domains:      mapStrings(inc.Domains, escape.Name),
			Overflow:     inc.Overflow,
			Rules:        make([]jsonRule, len(inc.Rules)),
			Timeline:     make([]jsonTimeline, len(inc.Timeline)),
		}},
	}
	x := &d.DNSVigil.Incident
	for _, a := range inc.Servers {
		x.Servers = append(x.Servers, a.String())
	}
	for i, r := range inc.Rules {
		x.Rules[i] = jsonRule{ID: escape.JSONString(r.ID), Name: escape.JSONString(r.Name), Count: r.Count}
	}
	for i, e := range inc.Timeline {
		x.Timeline[i] = jsonTimeline{
			Timestamp: formatTime(e.Time),
			RuleID:    escape.JSONString(e.RuleID),
			Severity:  e.Severity.String(),
			Summary:   escape.JSONString(e.Summary),
			Key:       escape.JSONString(e.Key),
		}
	}
	return d
}

// optTime formats t, or returns "" when t is zero.
func optTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func mapStrings(in []string, f func(string) string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = f(s)
	}
	return out
}
