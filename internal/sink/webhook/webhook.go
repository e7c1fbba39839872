// Package webhook POSTs alerts to an HTTP endpoint as JSON: one object per
// request, the same object the jsonl output writes on a line, or JSON arrays
// of up to batch_size alerts. A SOAR, a chat bridge or a SIEM's HTTP
// collector receives them.
//
// Network errors, 5xx and 429 answers are retried with exponential backoff
// and jitter, waiting what a Retry-After header asks (up to a cap); any other
// status that is not 2xx fails the request at once, as do redirects, which
// are not followed (an alert is not sent where the configuration did not
// say). Write waits for its request, retries included, so the sink belongs
// behind a queue (package queue), whose Shutdown can Abort it.
//
// The JSON is escaped as the jsonl output escapes it: no raw control, bidi or
// invisible character and no raw <, > or & in any string.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
	"github.com/dnsvigil/dnsvigil/internal/sink/jsonl"
)

// ErrAborted is returned by Write after Abort.
var ErrAborted = errors.New("webhook output aborted")

// StatusError is a request answered with a status that is not 2xx.
type StatusError struct {
	Status int
	// Body is the start of the response body, escaped for a terminal.
	Body string
}

func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("status %d", e.Status)
	}
	return fmt.Sprintf("status %d: %s", e.Status, e.Body)
}

// retryable reports whether a request answered with status may be tried
// again.
func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// Option changes how a Sink is built.
type Option func(*Sink)

// WithHTTPClient sends requests through c (for a custom TLS configuration
// or proxy) instead of a client of dnsvigil's own. Redirects are still not
// followed, whatever c says: a copy of c is made with its CheckRedirect
// replaced, and c.Timeout is left as is; Config.Timeout bounds each request
// either way.
func WithHTTPClient(c *http.Client) Option {
	return func(s *Sink) {
		cc := *c
		cc.CheckRedirect = noRedirect
		s.client = &cc
	}
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Sink is the webhook sink.Sink. Write and Close come from one goroutine;
// the batch timer flushes from its own, and Abort and the counters may be
// called from any.
type Sink struct {
	cfg    Config
	url    string
	where  string // the URL without a password, for messages
	header http.Header
	client *http.Client
	sleep  func(ctx context.Context, d time.Duration) error
	now    func() time.Time

	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex // guards the batch and closed; held while sending
	body   []byte     // the JSON being built: an object, or an array in the making
	n      int        // alerts in body
	timer  *time.Timer
	closed bool

	posted  atomic.Int64
	failed  atomic.Int64
	retried atomic.Int64
	errMu   sync.Mutex
	lastErr error
}

var _ sink.Sink = (*Sink)(nil)

// New returns a Sink for cfg.
func New(cfg Config, opts ...Option) (*Sink, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("webhook output: %w", errors.Join(errs...))
	}
	cfg = cfg.withDefaults()
	s := &Sink{
		cfg:    cfg,
		url:    cfg.URL,
		where:  redacted(cfg.URL),
		header: http.Header{"Content-Type": {"application/json"}, "User-Agent": {"dnsvigil"}},
		sleep:  sleepCtx,
		now:    time.Now,
	}
	for name, v := range cfg.Headers {
		s.header.Set(name, v)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for _, o := range opts {
		o(s)
	}
	if s.client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		s.client = &http.Client{Transport: tr, CheckRedirect: noRedirect}
	}
	return s, nil
}

// Write sends a, or adds it to the batch and sends the batch when it is
// full. It returns the error of the request it made, if any, after the
// retries; an alert it only added to the batch returns nil, and a batch sent
// by the timer reports its failure through Err and Failed. It does not keep
// a.
func (s *Sink) Write(a *alert.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return sink.ErrClosed
	}
	if s.cfg.BatchSize == 0 {
		body, err := jsonl.AppendAlert(s.body[:0], a)
		if err != nil {
			s.failed.Add(1)
			return fmt.Errorf("webhook: %w", err)
		}
		s.body, s.n = body, 1
		return s.sendLocked()
	}
	mark := len(s.body)
	if s.n == 0 {
		s.body = append(s.body[:0], '[')
	} else {
		s.body = append(s.body, ',')
	}
	body, err := jsonl.AppendAlert(s.body, a)
	if err != nil {
		s.body = s.body[:mark]
		s.failed.Add(1)
		return fmt.Errorf("webhook: %w", err)
	}
	s.body = body
	s.n++
	if s.n == 1 {
		s.timer = time.AfterFunc(s.cfg.FlushInterval, s.timerFlush)
	}
	if s.n < s.cfg.BatchSize {
		return nil
	}
	return s.sendLocked()
}

// timerFlush sends a batch that did not fill in time.
func (s *Sink) timerFlush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n > 0 && !s.closed {
		_ = s.sendLocked()
	}
}

// sendLocked sends the body (closing a batch's array) and empties it.
func (s *Sink) sendLocked() error {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if s.cfg.BatchSize > 0 {
		s.body = append(s.body, ']')
	}
	n := int64(s.n)
	err := s.post(s.body)
	s.body, s.n = s.body[:0], 0
	if err != nil {
		s.failed.Add(n)
		s.setErr(err)
		return err
	}
	s.posted.Add(n)
	return nil
}

// post sends body, retrying as configured.
func (s *Sink) post(body []byte) error {
	for attempt := 0; ; attempt++ {
		wait, err := s.do(body)
		if err == nil {
			return nil
		}
		if s.ctx.Err() != nil {
			return s.errorf(ErrAborted)
		}
		if wait < 0 || attempt >= s.cfg.Retries {
			if attempt > 0 {
				err = fmt.Errorf("%d attempts: %w", attempt+1, err)
			}
			return s.errorf(err)
		}
		if wait == 0 {
			wait = backoff(s.cfg.BackoffMin, s.cfg.BackoffMax, attempt)
		}
		s.retried.Add(1)
		if s.sleep(s.ctx, wait) != nil {
			return s.errorf(ErrAborted)
		}
	}
}

// do makes one request. On failure it says how long to wait before the next
// try: 0 for the backoff, the Retry-After time when given, -1 for never.
func (s *Sink) do(body []byte) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return -1, err
	}
	for k, v := range s.header {
		req.Header[k] = v
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err // a network error or the timeout
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return 0, nil
	}
	serr := &StatusError{Status: resp.StatusCode, Body: escape.Terminal(string(bytes.TrimSpace(snippet)))}
	if !retryable(resp.StatusCode) {
		return -1, serr
	}
	return RetryAfter(resp.Header.Get("Retry-After"), s.now(), s.cfg.MaxRetryAfter), serr
}

func (s *Sink) errorf(err error) error {
	return fmt.Errorf("webhook %s: %w", s.where, err)
}

func (s *Sink) setErr(err error) {
	s.errMu.Lock()
	s.lastErr = err
	s.errMu.Unlock()
}

// RetryAfter reads a Retry-After header value, delay-seconds or an HTTP
// date, as a wait from now of at most limit; 0 when v is empty or not valid
// (the backoff is used then). A date in the past gives 0 as well.
func RetryAfter(v string, now time.Time, limit time.Duration) time.Duration {
	if v == "" {
		return 0
	}
	if digits(v) {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil || secs > uint64(limit/time.Second) { // err: too many digits
			return limit
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	return max(0, min(d, limit))
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// backoff returns the wait before retry attempt+1: min doubled per attempt,
// capped at max, of which a random half is waited (equal jitter).
func backoff(lo, hi time.Duration, attempt int) time.Duration {
	d := lo
	for i := 0; i < attempt && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Abort makes the request or wait in progress and every later Write return
// ErrAborted. It is safe to call from any goroutine.
func (s *Sink) Abort() { s.cancel() }

// Close sends a batch that is not full yet and releases the connections.
// Write after Close returns sink.ErrClosed; a second Close does nothing.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if s.n > 0 {
		err = s.sendLocked()
	}
	s.cancel()
	s.client.CloseIdleConnections()
	return err
}

// Posted returns how many alerts were delivered (2xx).
func (s *Sink) Posted() int64 { return s.posted.Load() }

// Failed returns how many alerts were given up on: a status that is not
// retried, retries spent, Abort, or an alert JSON cannot hold.
func (s *Sink) Failed() int64 { return s.failed.Load() }

// Retried returns how many requests were retried.
func (s *Sink) Retried() int64 { return s.retried.Load() }

// Err returns the last delivery error, or nil.
func (s *Sink) Err() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.lastErr
}
