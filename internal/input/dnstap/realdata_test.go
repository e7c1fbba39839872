package dnstap

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

func labFile(t testing.TB, lab string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "testdata", "lab", lab, "resolver.dnstap"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// typeCounts keeps the per-type counters of a decode.
func typeCounts(c map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for _, n := range typeNames {
		if c[n] != 0 {
			out[n] = c[n]
		}
	}
	return out
}

// TestLab decodes the unbound dnstap files of the corp and bypass labs and
// compares the counts per message type with dnstap-ldns in check.txt.
func TestLab(t *testing.T) {
	tests := []struct {
		lab  string
		want map[string]int64
	}{
		{"corp", map[string]int64{"client queries": 879, "client responses": 879, "resolver queries": 117,
			"resolver responses": 117, "forwarder queries": 12, "forwarder responses": 12}},
		{"bypass", map[string]int64{"client queries": 968, "client responses": 968, "resolver queries": 175,
			"resolver responses": 175, "forwarder queries": 13, "forwarder responses": 13}},
	}
	for _, tc := range tests {
		t.Run(tc.lab, func(t *testing.T) {
			got := decodeAll(t, bytes.NewReader(labFile(t, tc.lab)), testOpts(tc.lab))
			if len(got.errs) > 0 {
				t.Fatalf("unexpected errors: %v", got.errs)
			}
			if diff := cmp.Diff(tc.want, typeCounts(got.counts)); diff != "" {
				t.Errorf("counts per type (-want +got):\n%s", diff)
			}
			var total int64
			for _, v := range tc.want {
				total += v
			}
			if int64(len(got.rows)) != total || got.counts["data frames"] != total {
				t.Errorf("got %d events from %d frames, want %d", len(got.rows), got.counts["data frames"], total)
			}
		})
	}
}

// TestLabCorpBeacon checks exact fields of ws2's first beacon query for
// update.evil-c2.test, unbound's recursion to the adversary's name server
// 203.0.113.53 for it, and the answers (README: 4 RQ to 203.0.113.53/.54).
func TestLabCorpBeacon(t *testing.T) {
	got := decodeAll(t, bytes.NewReader(labFile(t, "corp")), testOpts("corp"))
	byOffset := map[int64]row{}
	toAdversary := 0
	for _, r := range got.rows {
		byOffset[r.Offset] = r
		if r.Type == "RESOLVER_QUERY" && (strings.HasPrefix(r.Server, "203.0.113.53:") || strings.HasPrefix(r.Server, "203.0.113.54:")) {
			toAdversary++
		}
	}
	if toAdversary != 4 {
		t.Errorf("resolver queries to 203.0.113.53/.54 = %d, want 4", toAdversary)
	}
	want := []row{
		{Type: "CLIENT_QUERY", Time: "2026-11-28T00:16:18.843949Z", Client: "10.20.0.23:38675", Server: "10.20.1.53:53",
			Transport: "udp", QName: "update.evil-c2.test", QType: 1, Flags: "rd ad", RCode: event.RcodeUnknown,
			Query: true, QSize: 60, Offset: 47616},
		{Type: "RESOLVER_QUERY", Time: "2026-11-28T00:16:18.844332Z", Client: "0.0.0.0:34002", Server: "203.0.113.53:53",
			Transport: "udp", Host: "corp-resolver", QName: "update.evil-c2.test", QType: 1, Flags: "cd",
			RCode: event.RcodeUnknown, Query: true, QSize: 48, Offset: 48080},
		{Type: "RESOLVER_RESPONSE", Time: "2026-11-28T00:16:18.844336Z", Client: "0.0.0.0:34002", Server: "203.0.113.53:53",
			Transport: "udp", Host: "corp-resolver", QName: "update.evil-c2.test", QType: 1, Flags: "qr aa cd",
			Resp: true, RSize: 132, Answers: []string{"update.evil-c2.test 1 203.0.113.80"}, Authority: 2, Offset: 48220},
		{Type: "CLIENT_RESPONSE", Time: "2026-11-28T00:16:18.844377Z", Client: "10.20.0.23:38675", Server: "10.20.1.53:53",
			Transport: "udp", QName: "update.evil-c2.test", QType: 1, Flags: "qr rd ra",
			Resp: true, RSize: 64, Answers: []string{"update.evil-c2.test 1 203.0.113.80"}, Offset: 48457},
		{Type: "RESOLVER_RESPONSE", Time: "2026-11-28T00:16:18.868862Z", Client: "0.0.0.0:44246", Server: "203.0.113.54:53",
			Transport: "udp", Host: "corp-resolver", QName: "cmd.evil-c2.test", QType: 16, Flags: "qr aa cd",
			Resp: true, RSize: 144, Answers: []string{`cmd.evil-c2.test 16 "sleep=30;jitter=20"`}, Authority: 2, Offset: 49197},
	}
	for _, w := range want {
		t.Run(w.Type+"@"+w.Time, func(t *testing.T) {
			if diff := cmp.Diff(w, byOffset[w.Offset]); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLabHeaderOnly checks that HeaderOnly keeps the question and drops
// records.
func TestLabHeaderOnly(t *testing.T) {
	o := testOpts("corp")
	o.HeaderOnly = true
	got := decodeAll(t, bytes.NewReader(labFile(t, "corp")), o)
	for _, r := range got.rows {
		if len(r.Answers) != 0 || r.Authority != 0 || r.QName == "" {
			t.Fatalf("header-only event = %+v", r)
		}
	}
	if len(got.rows) != 2016 {
		t.Errorf("got %d events, want 2016", len(got.rows))
	}
}

// TestBind9Saved decodes BIND's dnstap.saved: 96 messages, 8 of each of the
// 12 types dnstap-read lists in dnstap.text, all from 10.53.0.1 to
// 10.53.0.2:2112; and large-answer.fstrm, one message.
func TestBind9Saved(t *testing.T) {
	tests := []struct {
		file   string
		types  map[string]int64
		client string
		server string
	}{
		{"dnstap.saved", map[string]int64{
			"auth queries": 8, "auth responses": 8, "resolver queries": 8, "resolver responses": 8,
			"client queries": 8, "client responses": 8, "forwarder queries": 8, "forwarder responses": 8,
			"stub queries": 8, "stub responses": 8, "tool queries": 8, "tool responses": 8,
		}, "10.53.0.1:2112", "10.53.0.2:2112"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := testutil.SharedData(t, "bind9-dnstap/"+tc.file)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := decodeAll(t, bytes.NewReader(raw), testOpts(path))
			if len(got.errs) > 0 {
				t.Fatalf("unexpected errors: %v", got.errs)
			}
			if diff := cmp.Diff(tc.types, typeCounts(got.counts)); diff != "" {
				t.Errorf("counts per type (-want +got):\n%s", diff)
			}
			for _, r := range got.rows {
				if r.Client != tc.client || r.Server != tc.server || r.QName != "www.isc.org" || r.QType != 1 {
					t.Fatalf("event = %+v", r)
				}
			}
		})
	}
}

// TestBind9LargeAnswer decodes large-answer.fstrm, one frame holding a
// response with many records.
func TestBind9LargeAnswer(t *testing.T) {
	path := testutil.SharedData(t, "bind9-dnstap/large-answer.fstrm")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !Sniff(raw) {
		t.Fatal("Sniff = false")
	}
	got := decodeAll(t, bytes.NewReader(raw), testOpts(path))
	if len(got.errs) > 0 || len(got.rows) != 1 {
		t.Fatalf("got %d events, errors %v; want 1 event", len(got.rows), got.errs)
	}
	r := got.rows[0]
	if r.Type != "AUTH_RESPONSE" || r.Client != "[::1]:46075" || r.QName != "example" || len(r.Answers) != 48 || r.RSize != 832 {
		t.Errorf("event = %+v, want an AUTH_RESPONSE from ::1 with 48 answers", r)
	}
}

// TestBind9Single maps BIND's single-message test files (raw protobuf, no
// framing): the valid ones give an event, invalid_message_type.dnstap (type
// 255) an unknown-type error, and nanoseconds above 999999999 carry into the
// seconds.
func TestBind9Single(t *testing.T) {
	tests := []struct {
		file    string
		wantErr error
		typ     string
		query   bool
		time    string
	}{
		{"correct_query_nanosec.dnstap", nil, "CLIENT_QUERY", true, "2026-06-18T07:04:13.076932117Z"},
		{"correct_response_nanosec.dnstap", nil, "RESOLVER_RESPONSE", false, "2026-06-10T14:51:15.712404181Z"},
		{"query_time_nanosec_big.dnstap", nil, "CLIENT_QUERY", true, "2026-06-18T07:04:14Z"},
		{"response_time_nanosec_big.dnstap", nil, "RESOLVER_RESPONSE", false, "2026-06-10T14:51:16Z"},
		{"invalid_message_type.dnstap", errNoType, "", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile(testutil.SharedData(t, "bind9-dnstap/"+tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if Sniff(raw) {
				t.Error("Sniff = true for an unframed message")
			}
			var msg message
			if err := msg.unmarshal(raw); err != nil {
				t.Fatal(err)
			}
			d := &Decoder{}
			var ev event.Event
			err = d.m.fill(&ev, &msg)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("fill error = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			got := []string{d.MessageType().String(), ev.Time.Format(time.RFC3339Nano), ev.DNS.QName}
			if diff := cmp.Diff([]string{tc.typ, tc.time, "isc.org"}, got); diff != "" || ev.DNS.HasQuery != tc.query {
				t.Errorf("type, time, qname (-want +got):\n%s; query %v", diff, ev.DNS.HasQuery)
			}
		})
	}
}
