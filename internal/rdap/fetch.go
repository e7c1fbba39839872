package rdap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"

	"github.com/openrdap/rdap"
	"github.com/openrdap/rdap/bootstrap"
)

// fetch queries the RDAP servers for name in turn (https ones first) until one gives a usable
// answer. A 404 or 429 ends the search; other failures move on to the next server.
func (c *Client) fetch(ctx context.Context, name string) (Info, error) {
	servers, err := c.servers(ctx, name)
	if err != nil {
		return Info{}, err
	}
	var last error
	for _, server := range servers {
		target := rdap.NewDomainRequest(name).WithServer(server).URL().String()
		info, err := c.get(ctx, target, name)
		if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrRateLimited) || ctx.Err() != nil {
			return info, err
		}
		last = err
	}
	return Info{}, last
}

// servers returns the configured RDAP server or the bootstrap registry's servers for name.
func (c *Client) servers(ctx context.Context, name string) ([]*url.URL, error) {
	if c.server != nil {
		return []*url.URL{c.server}, nil
	}
	q := (&bootstrap.Question{RegistryType: bootstrap.DNS, Query: name}).WithContext(ctx)
	c.bootMu.Lock()
	answer, err := c.boot.Lookup(q)
	c.bootMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	if len(answer.URLs) == 0 {
		return nil, ErrNoService
	}
	urls := slices.Clone(answer.URLs)
	slices.SortStableFunc(urls, func(a, b *url.URL) int {
		return boolRank(a.Scheme != "https") - boolRank(b.Scheme != "https")
	})
	return urls, nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// get fetches one RDAP URL and parses the domain answer.
func (c *Client) get(ctx context.Context, target, name string) (Info, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, http.NoBody)
	if err != nil {
		return Info{}, err
	}
	req.Header.Set("Accept", "application/rdap+json, application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return Info{}, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return Info{}, ErrNotFound
	case resp.StatusCode == http.StatusTooManyRequests:
		return Info{}, fmt.Errorf("%s answered 429: %w", target, ErrRateLimited)
	case resp.StatusCode != http.StatusOK:
		return Info{}, fmt.Errorf("%s answered http status %d", target, resp.StatusCode)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Info{}, fmt.Errorf("read %s: %w", target, err)
	}
	info, err := parseDomain(body, name)
	if err != nil {
		return Info{}, fmt.Errorf("%s: %w", target, err)
	}
	info.Source = target
	return info, nil
}

// limitTransport fails any response body that grows past max bytes, for RDAP answers and the
// bootstrap file alike, so a hostile or broken server cannot exhaust memory.
type limitTransport struct {
	base http.RoundTripper
	max  int64
}

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max}
	return resp, nil
}

// errTooLarge is returned by a body read past the configured cap.
var errTooLarge = errors.New("response body exceeds max_response_bytes")

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte tells a body of exactly the cap from a longer one.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
