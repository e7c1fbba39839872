package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/config"
	"github.com/dnsvigil/dnsvigil/internal/sink"
	"github.com/dnsvigil/dnsvigil/internal/sink/jsonl"
	"github.com/dnsvigil/dnsvigil/internal/sink/queue"
	"github.com/dnsvigil/dnsvigil/internal/sink/sinktest"
)

// request is what the test server saw.
type request struct {
	Auth, ContentType string
	Body              string
}

// server answers requests with the statuses (and Retry-After values) of
// replies in turn, then 200.
type server struct {
	*httptest.Server
	mu      sync.Mutex
	got     []request
	replies []reply
}

type reply struct {
	status     int
	retryAfter string
}

func newServer(t *testing.T, replies ...reply) *server {
	t.Helper()
	s := &server{replies: replies}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.got = append(s.got, request{Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"), Body: string(b)})
		rep := reply{status: http.StatusOK}
		if len(s.replies) > 0 {
			rep, s.replies = s.replies[0], s.replies[1:]
		}
		s.mu.Unlock()
		if rep.retryAfter != "" {
			w.Header().Set("Retry-After", rep.retryAfter)
		}
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, "answer\x1b[2J")
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.got...)
}

// newSink returns a Sink whose waits are recorded, not slept.
func newSink(t *testing.T, cfg Config) (*Sink, *[]time.Duration) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	waits := new([]time.Duration)
	s.sleep = func(ctx context.Context, d time.Duration) error {
		*waits = append(*waits, d)
		return ctx.Err()
	}
	t.Cleanup(func() { s.Close() })
	return s, waits
}

func line(t *testing.T, a *alert.Alert) string {
	t.Helper()
	b, err := jsonl.AppendAlert(nil, a)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDelivery(t *testing.T) {
	a := sinktest.Alerts()[3] // the hostile one
	ok := line(t, a)
	tests := []struct {
		name        string
		replies     []reply
		wantErr     string
		wantReqs    int
		wantWaits   []time.Duration // nil: backoff waits, checked for range
		wantBackoff int
		posted      int64
		failed      int64
	}{
		{name: "success", wantReqs: 1, posted: 1},
		{name: "500 then success", replies: []reply{{status: 500}}, wantReqs: 2, wantBackoff: 1, posted: 1},
		{name: "429 with Retry-After seconds", replies: []reply{{429, "7"}}, wantReqs: 2, wantWaits: []time.Duration{7 * time.Second}, posted: 1},
		{name: "Retry-After above the cap", replies: []reply{{503, "86400"}}, wantReqs: 2, wantWaits: []time.Duration{time.Minute}, posted: 1},
		{name: "400 is not retried", replies: []reply{{status: 400}}, wantReqs: 1, failed: 1,
			wantErr: `status 400: answer\x1b[2J`},
		{name: "302 is not followed", replies: []reply{{status: 302}}, wantReqs: 1, failed: 1, wantErr: "status 302"},
		{name: "retries spent", replies: []reply{{status: 500}, {status: 502}, {status: 503}}, wantReqs: 3, wantBackoff: 2, failed: 1,
			wantErr: "3 attempts: status 503"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, tc.replies...)
			s, waits := newSink(t, Config{URL: srv.URL, Headers: map[string]string{"authorization": "Bearer s3cret"},
				Retries: 2, BackoffMin: time.Second, BackoffMax: 4 * time.Second, MaxRetryAfter: time.Minute})
			err := s.Write(a)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("Write = %v", err)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("Write = %v, want an error with %q and no secret", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), srv.URL) {
					t.Errorf("error %v does not name the URL", err)
				}
			}
			reqs := srv.requests()
			if len(reqs) != tc.wantReqs {
				t.Fatalf("%d requests, want %d", len(reqs), tc.wantReqs)
			}
			for _, r := range reqs {
				if diff := cmp.Diff(request{Auth: "Bearer s3cret", ContentType: "application/json", Body: ok}, r); diff != "" {
					t.Errorf("request (-want +got):\n%s", diff)
				}
			}
			if tc.wantWaits != nil {
				if diff := cmp.Diff(tc.wantWaits, *waits); diff != "" {
					t.Errorf("waits (-want +got):\n%s", diff)
				}
			} else if len(*waits) != tc.wantBackoff {
				t.Errorf("%d waits, want %d", len(*waits), tc.wantBackoff)
			}
			for i, w := range *waits {
				if tc.wantWaits == nil {
					lo := time.Second << i / 2
					if w < lo || w > 2*lo {
						t.Errorf("backoff %d = %v, want between %v and %v", i, w, lo, 2*lo)
					}
				}
			}
			if s.Posted() != tc.posted || s.Failed() != tc.failed || s.Retried() != int64(len(*waits)) {
				t.Errorf("posted %d failed %d retried %d, want %d %d %d", s.Posted(), s.Failed(), s.Retried(), tc.posted, tc.failed, len(*waits))
			}
		})
	}
}

func TestBatches(t *testing.T) {
	srv := newServer(t)
	s, _ := newSink(t, Config{URL: srv.URL, BatchSize: 3, FlushInterval: time.Hour})
	in := sinktest.Alerts()
	for _, a := range in {
		if err := s.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2 (a full batch of 3, then 1 on Close)", len(reqs))
	}
	want := []string{
		"[" + line(t, in[0]) + "," + line(t, in[1]) + "," + line(t, in[2]) + "]",
		"[" + line(t, in[3]) + "]",
	}
	for i, r := range reqs {
		if r.Body != want[i] {
			t.Errorf("batch %d = %s, want %s", i, r.Body, want[i])
		}
		var docs []map[string]any
		if err := json.Unmarshal([]byte(r.Body), &docs); err != nil {
			t.Errorf("batch %d is not a JSON array: %v", i, err)
		}
	}
	if s.Posted() != 4 {
		t.Errorf("Posted = %d, want 4", s.Posted())
	}
	if err := s.Write(in[0]); !errors.Is(err, sink.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
}

// TestFlushInterval checks that a batch that does not fill is sent by the
// timer.
func TestFlushInterval(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	}))
	defer srv.Close()
	s, _ := newSink(t, Config{URL: srv.URL, BatchSize: 100, FlushInterval: time.Millisecond})
	a := sinktest.Alerts()[0]
	if err := s.Write(a); err != nil {
		t.Fatal(err)
	}
	if body := <-got; body != "["+line(t, a)+"]" {
		t.Errorf("timer batch = %s", body)
	}
}

// stalled is a server whose handler never answers until the test ends.
func stalled(t *testing.T) (*httptest.Server, chan struct{}) {
	entered := make(chan struct{}, 100)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv, entered
}

// TestStalledServer puts the webhook behind a queue and points it at a
// server that never answers: Write returns at once for every alert, the
// queue holds its size and counts the rest as dropped, and Shutdown returns
// when its deadline passes, aborting the request.
func TestStalledServer(t *testing.T) {
	srv, entered := stalled(t)
	s, err := New(Config{URL: srv.URL, Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.New(s, queue.Config{Name: "webhook", Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	a := sinktest.Alerts()[0]
	if err := q.Write(a); err != nil {
		t.Fatal(err)
	}
	<-entered // the first request hangs in the handler
	for range 99 {
		if err := q.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	if d, n := q.Dropped(), q.Depth(); d != 95 || n != 4 {
		t.Errorf("dropped %d, queued %d, want 95 and 4", d, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := q.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown = %v, want the deadline's error", err)
	}
	<-q.Done() // the aborted request returned and the queued alerts were dropped
	if s.Failed() != 1 || q.Failed() != 1 || q.Delivered() != 0 {
		t.Errorf("webhook failed %d, queue failed %d delivered %d, want the aborted request failed", s.Failed(), q.Failed(), q.Delivered())
	}
	if da := q.DropAlert(); da == nil || da.Evidence[1].Value != int64(99) {
		t.Errorf("drop alert %+v, want 99 dropped (95 full, 4 at the deadline)", da)
	}
}

// TestAbort aborts a Write waiting on a stalled server.
func TestAbort(t *testing.T) {
	srv, entered := stalled(t)
	s, err := New(Config{URL: srv.URL, Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Write(sinktest.Alerts()[0]) }()
	<-entered
	s.Abort()
	if err := <-done; !errors.Is(err, ErrAborted) {
		t.Errorf("Write = %v, want ErrAborted", err)
	}
	if s.Failed() != 1 {
		t.Errorf("Failed = %d, want 1", s.Failed())
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		v    string
		want time.Duration
	}{
		{"empty", "", 0},
		{"seconds", "120", 2 * time.Minute},
		{"zero", "0", 0},
		{"above the cap", "999999999999999999999", time.Hour},
		{"negative", "-5", 0},
		{"date", "Fri, 01 May 2026 12:00:30 GMT", 30 * time.Second},
		{"past date", "Fri, 01 May 2026 11:00:00 GMT", 0},
		{"far date", "Fri, 01 May 2099 12:00:30 GMT", time.Hour},
		{"garbage", "soon", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := RetryAfter(tc.v, now, time.Hour); got != tc.want {
				t.Errorf("RetryAfter(%q) = %v, want %v", tc.v, got, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"url only", Config{URL: "https://soar.example/hook"}, nil},
		{"defaults", func() Config { c := DefaultConfig(); c.URL = "http://127.0.0.1:8080/"; return c }(), nil},
		{"no url", Config{}, []string{"url: must be an http or https URL with a host"}},
		{"ftp", Config{URL: "ftp://x/"}, []string{"url: must be an http or https URL with a host"}},
		{"headers", Config{URL: "https://h/", Headers: map[string]string{
			"Bad Name": "x", "content-length": "1", "X-Token": "a\r\nInjected: yes",
		}}, []string{
			`headers: "Bad Name" is not a valid header name`,
			"headers.X-Token: value holds a character a header cannot (a control character or newline)",
			"headers.content-length: is set by the request itself",
		}},
		{"numbers", Config{URL: "https://h/", BatchSize: -1, Retries: 101, Timeout: -1, BackoffMin: time.Minute, BackoffMax: time.Second}, []string{
			"batch_size: must be between 0 (no batching) and 10000, got -1",
			"retries: must be between 0 and 100, got 101",
			"timeout: must not be negative, got -1ns",
			"backoff_min: must not be above backoff_max (1s), got 1m0s",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, err := range tc.cfg.Validate() {
				var p config.Problem
				if !errors.As(err, &p) {
					t.Errorf("%v is not a config.Problem", err)
				}
				got = append(got, err.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			for _, g := range got {
				if strings.Contains(g, "Injected") {
					t.Errorf("a header value was quoted: %s", g)
				}
			}
		})
	}
}

func TestPasswordNotShown(t *testing.T) {
	srv := newServer(t, reply{status: 401})
	u := strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1)
	s, _ := newSink(t, Config{URL: u})
	err := s.Write(sinktest.Alerts()[0])
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "status 401") {
		t.Errorf("Write = %v, want a 401 without the password", err)
	}
}
