package rdap

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestLookup(t *testing.T) {
	reg := newRegistry(t)
	clock := newClock()
	c := reg.client(t, reg.config(t), clock)
	tests := []struct {
		name   string
		domain string
		want   Info
	}{
		{name: "verisign com", domain: "example.com", want: Info{
			Domain:      "example.com",
			Registered:  date("1995-08-14T04:00:00Z"),
			LastChanged: date("2024-08-14T07:01:34Z"),
			Expires:     date("2025-08-13T04:00:00Z"),
			Registrar:   "RESERVED-Internet Assigned Numbers Authority",
			Status:      []string{"client delete prohibited", "client transfer prohibited", "client update prohibited"},
			NameServers: []string{"a.iana-servers.net", "b.iana-servers.net"},
			Source:      reg.srv.URL + "/rdap.verisign.com/com/v1/domain/example.com",
			Fetched:     clock.Now(),
		}},
		{name: "upper case with trailing dot", domain: "EXAMPLE.com.", want: Info{
			Domain:      "example.com",
			Registered:  date("1995-08-14T04:00:00Z"),
			LastChanged: date("2024-08-14T07:01:34Z"),
			Expires:     date("2025-08-13T04:00:00Z"),
			Registrar:   "RESERVED-Internet Assigned Numbers Authority",
			Status:      []string{"client delete prohibited", "client transfer prohibited", "client update prohibited"},
			NameServers: []string{"a.iana-servers.net", "b.iana-servers.net"},
			Source:      reg.srv.URL + "/rdap.verisign.com/com/v1/domain/example.com",
			Fetched:     clock.Now(),
		}},
		{name: "fresh xyz domain prefers https server", domain: "update-check-cdn.xyz", want: Info{
			Domain:      "update-check-cdn.xyz",
			Registered:  date("2025-06-08T21:14:09Z"),
			LastChanged: date("2025-06-09T02:40:51Z"),
			Expires:     date("2026-06-08T23:59:59Z"),
			Registrar:   "NameCheap, Inc.",
			Status:      []string{"client transfer prohibited", "server transfer prohibited", "add period"},
			NameServers: []string{"ns1.bulk-dns-host.top", "ns2.bulk-dns-host.top"},
			Source:      reg.srv.URL + "/rdap.centralnic.com/xyz/domain/update-check-cdn.xyz",
			Fetched:     clock.Now(),
		}},
		{name: "zone-less dates and nested registrar org", domain: "org-registrar-nested.org", want: Info{
			Domain:      "org-registrar-nested.org",
			Registered:  date("2019-02-01T10:00:00Z"),
			Expires:     date("2030-02-01T00:00:00Z"),
			Registrar:   "MarkMonitor Inc.",
			Status:      []string{"active"},
			NameServers: []string{"ns1.markmonitor.example"},
			Source:      reg.srv.URL + "/rdap.publicinterestregistry.org/rdap/domain/org-registrar-nested.org",
			Fetched:     clock.Now(),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Lookup(context.Background(), tt.domain)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lookup(%q) mismatch (-want +got):\n%s", tt.domain, diff)
			}
		})
	}
	if n := reg.bootstrap.Load(); n != 1 {
		t.Errorf("bootstrap fetched %d times, want 1", n)
	}
}

func TestLookupErrors(t *testing.T) {
	reg := newRegistry(t)
	reg.set("busy.com", http.StatusTooManyRequests, false)
	reg.set("broken.com", http.StatusInternalServerError, false)
	tests := []struct {
		name      string
		domain    string
		disabled  bool
		wantIs    error
		wantText  string
		wantQuery bool // whether an RDAP server is asked
	}{
		{name: "malformed json", domain: "malformed.com", wantText: "decode response", wantQuery: true},
		{name: "answer for another domain", domain: "wrong-name.net", wantIs: errWrongDomain, wantQuery: true},
		{name: "rdap error object", domain: "error-object.net", wantText: `server error 400: "Bad Request"`, wantQuery: true},
		{name: "not registered", domain: "nosuch.com", wantIs: ErrNotFound, wantQuery: true},
		{name: "server rate limit", domain: "busy.com", wantIs: ErrRateLimited, wantQuery: true},
		{name: "server failure", domain: "broken.com", wantText: "http status 500", wantQuery: true},
		{name: "tld without rdap", domain: "example.zz", wantIs: ErrNoService},
		{name: "path traversal", domain: "../../etc/passwd", wantIs: ErrInvalidDomain},
		{name: "slash inside", domain: "a/b.com", wantIs: ErrInvalidDomain},
		{name: "single label", domain: "com", wantIs: ErrInvalidDomain},
		{name: "empty label", domain: "a..com", wantIs: ErrInvalidDomain},
		{name: "underscore", domain: "_dmarc.example.com", wantIs: ErrInvalidDomain},
		{name: "escaped byte", domain: `ex\046ample.com`, wantIs: ErrInvalidDomain},
		{name: "empty", domain: "", wantIs: ErrInvalidDomain},
		{name: "label too long", domain: strings.Repeat("a", 64) + ".com", wantIs: ErrInvalidDomain},
		{name: "disabled", domain: "example.com", disabled: true, wantIs: ErrDisabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := reg.config(t)
			cfg.Enabled = !tt.disabled
			c := reg.client(t, cfg, newClock())
			before := reg.queries.Load()
			_, err := c.Lookup(context.Background(), tt.domain)
			if err == nil {
				t.Fatalf("Lookup(%q) succeeded, want an error", tt.domain)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Lookup(%q) = %v, want %v", tt.domain, err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Lookup(%q) = %v, want it to contain %q", tt.domain, err, tt.wantText)
			}
			if prefix := "rdap lookup " + strconv.Quote(tt.domain) + ": "; !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("error %q does not start with %q", err, prefix)
			}
			if asked := reg.queries.Load() > before; asked != tt.wantQuery {
				t.Errorf("server asked = %v, want %v", asked, tt.wantQuery)
			}
			files, _ := filepath.Glob(filepath.Join(cfg.CacheDir, "domain-*"))
			for _, f := range files {
				if tt.wantIs != ErrNotFound {
					t.Errorf("unexpected cache file %s after a failed lookup", f)
				}
			}
		})
	}
}

func TestCache(t *testing.T) {
	reg := newRegistry(t)
	clock := newClock()
	cfg := reg.config(t)
	c := reg.client(t, cfg, clock)
	ctx := context.Background()
	first, err := c.Lookup(ctx, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name        string
		advance     time.Duration
		client      func() *Client
		domain      string
		wantQueries int64
		wantFetched time.Time
	}{
		{name: "fresh entry answers from disk", advance: 6 * 24 * time.Hour, domain: "example.com",
			wantQueries: 1, wantFetched: first.Fetched},
		{name: "a new client reads the same directory", client: func() *Client { return reg.client(t, cfg, clock) },
			domain: "example.com", wantQueries: 1, wantFetched: first.Fetched},
		{name: "expired entry refetches", advance: 24 * time.Hour, domain: "example.com",
			wantQueries: 2, wantFetched: first.Fetched.Add(7 * 24 * time.Hour)},
		{name: "refreshed entry answers from disk", advance: time.Hour, domain: "example.com",
			wantQueries: 2, wantFetched: first.Fetched.Add(7 * 24 * time.Hour)},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clock.Add(st.advance)
			if st.client != nil {
				c = st.client()
			}
			got, err := c.Lookup(ctx, st.domain)
			if err != nil {
				t.Fatal(err)
			}
			if n := reg.queries.Load(); n != st.wantQueries {
				t.Errorf("server queries = %d, want %d", n, st.wantQueries)
			}
			want := first
			want.Fetched = st.wantFetched
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(cfg.CacheDir, "domain-example.com.json")); err != nil {
		t.Errorf("cache file: %v", err)
	}
	tmp, _ := filepath.Glob(filepath.Join(cfg.CacheDir, ".tmp-*"))
	if len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

func TestBootstrapCachedOnDisk(t *testing.T) {
	reg := newRegistry(t)
	clock := newClock()
	cfg := reg.config(t)
	ctx := context.Background()
	if _, err := reg.client(t, cfg, clock).Lookup(ctx, "example.com"); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Hour)
	if _, err := reg.client(t, cfg, clock).Lookup(ctx, "update-check-cdn.xyz"); err != nil {
		t.Fatal(err)
	}
	if n := reg.bootstrap.Load(); n != 1 {
		t.Errorf("bootstrap fetched %d times within its TTL, want 1", n)
	}
	clock.Add(bootstrapTTL)
	if _, err := reg.client(t, cfg, clock).Lookup(ctx, "org-registrar-nested.org"); err != nil {
		t.Fatal(err)
	}
	if n := reg.bootstrap.Load(); n != 2 {
		t.Errorf("bootstrap fetched %d times after its TTL, want 2", n)
	}
}

func TestNegativeCache(t *testing.T) {
	reg := newRegistry(t)
	clock := newClock()
	c := reg.client(t, reg.config(t), clock)
	steps := []struct {
		name        string
		advance     time.Duration
		wantQueries int64
	}{
		{name: "first lookup asks", wantQueries: 1},
		{name: "negative entry answers", advance: 23 * time.Hour, wantQueries: 1},
		{name: "negative entry expires after a day", advance: time.Hour, wantQueries: 2},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clock.Add(st.advance)
			_, err := c.Lookup(context.Background(), "nosuch.com")
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
			if n := reg.queries.Load(); n != st.wantQueries {
				t.Errorf("server queries = %d, want %d", n, st.wantQueries)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	reg := newRegistry(t)
	clock := newClock()
	cfg := reg.config(t)
	cfg.CacheDir = "" // every lookup goes to the network
	cfg.RatePerMinute = 2
	c := reg.client(t, cfg, clock)
	steps := []struct {
		name    string
		advance time.Duration
		wantErr error
	}{
		{name: "burst 1"},
		{name: "burst 2"},
		{name: "bucket empty", wantErr: ErrRateLimited},
		{name: "still empty after 29s", advance: 29 * time.Second, wantErr: ErrRateLimited},
		{name: "one token after 30s", advance: time.Second},
		{name: "empty again", wantErr: ErrRateLimited},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clock.Add(st.advance)
			_, err := c.Lookup(context.Background(), "example.com")
			if !errors.Is(err, st.wantErr) {
				t.Errorf("err = %v, want %v", err, st.wantErr)
			}
		})
	}
	want := Counts{Fetches: 3, RateLimited: 3}
	if diff := cmp.Diff(want, c.Counts()); diff != "" {
		t.Errorf("counts mismatch (-want +got):\n%s", diff)
	}
	if n := reg.queries.Load(); n != 3 {
		t.Errorf("server queries = %d, want 3", n)
	}
}

func TestTimeout(t *testing.T) {
	reg := newRegistry(t)
	reg.set("slow.com", 0, true)
	cfg := reg.config(t)
	cfg.Timeout = 50 * time.Millisecond
	c := reg.client(t, cfg, newClock())
	_, err := c.Lookup(context.Background(), "slow.com")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a deadline error", err)
	}
}

func TestResponseTooLarge(t *testing.T) {
	reg := newRegistry(t)
	cfg := reg.config(t)
	cfg.ServerURL = reg.srv.URL + "/rdap.verisign.com/com/v1"
	cfg.MaxResponseBytes = 512
	c := reg.client(t, cfg, newClock())
	_, err := c.Lookup(context.Background(), "example.com")
	if !errors.Is(err, errTooLarge) {
		t.Errorf("err = %v, want %v", err, errTooLarge)
	}
}

func TestServerURLSkipsBootstrap(t *testing.T) {
	reg := newRegistry(t)
	cfg := reg.config(t)
	cfg.BootstrapURL = ""
	cfg.ServerURL = reg.srv.URL + "/private-rdap"
	clock := newClock()
	c := reg.client(t, cfg, clock)
	got, err := c.Lookup(context.Background(), "example.zz.example.com")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
	got, err = c.Lookup(context.Background(), "example.com")
	if err != nil {
		t.Fatal(err)
	}
	if want := reg.srv.URL + "/private-rdap/domain/example.com"; got.Source != want {
		t.Errorf("Source = %q, want %q", got.Source, want)
	}
	if n := reg.bootstrap.Load(); n != 0 {
		t.Errorf("bootstrap fetched %d times, want 0", n)
	}
}

func TestCorruptCacheFileIsAMiss(t *testing.T) {
	reg := newRegistry(t)
	cfg := reg.config(t)
	tests := []struct {
		name    string
		content string
	}{
		{name: "garbage", content: "{not json"},
		{name: "other domain", content: `{"version":1,"domain":"evil.com","fetched":"2025-06-10T18:00:00Z","info":{"domain":"evil.com"}}`},
		{name: "old version", content: `{"version":0,"domain":"example.com","fetched":"2025-06-10T18:00:00Z","info":{"domain":"example.com"}}`},
		{name: "future fetch time", content: `{"version":1,"domain":"example.com","fetched":"2030-01-01T00:00:00Z","info":{"domain":"example.com"}}`},
		{name: "no info", content: `{"version":1,"domain":"example.com","fetched":"2025-06-10T18:00:00Z"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(cfg.CacheDir, "domain-example.com.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			before := reg.queries.Load()
			got, err := reg.client(t, cfg, newClock()).Lookup(context.Background(), "example.com")
			if err != nil {
				t.Fatal(err)
			}
			if reg.queries.Load() != before+1 {
				t.Errorf("corrupt cache entry was used instead of the network")
			}
			if got.Registrar == "" {
				t.Errorf("refetched info lacks the registrar: %+v", got)
			}
		})
	}
}

func TestAgeAt(t *testing.T) {
	reg := date("2025-06-08T21:14:09Z")
	tests := []struct {
		name   string
		info   Info
		at     time.Time
		want   time.Duration
		wantOK bool
	}{
		{name: "unknown registration", info: Info{}, at: reg},
		{name: "two days old", info: Info{Registered: reg}, at: reg.Add(48 * time.Hour), want: 48 * time.Hour, wantOK: true},
		{name: "activity before registration", info: Info{Registered: reg}, at: reg.Add(-time.Hour), want: -time.Hour, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.info.AgeAt(tt.at)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("AgeAt = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want []string
	}{
		{name: "defaults", edit: func(*Config) {}},
		{name: "server url replaces bootstrap", edit: func(c *Config) { c.BootstrapURL, c.ServerURL = "", "https://rdap.example/" }},
		{name: "every problem is reported", edit: func(c *Config) {
			c.CacheTTL, c.NegativeTTL, c.Timeout, c.RatePerMinute, c.MaxResponseBytes = 0, -1, time.Hour, 0, 0
			c.BootstrapURL = "data.iana.org/rdap"
		}, want: []string{
			"enrich.rdap.cache_ttl: must be positive and at most 8760h0m0s, got 0s",
			"enrich.rdap.negative_ttl: must be positive and at most 8760h0m0s, got -1ns",
			"enrich.rdap.timeout: must be positive and at most 5m0s, got 1h0m0s",
			"enrich.rdap.rate_per_minute: must be between 1 and 6000, got 0",
			"enrich.rdap.max_response_bytes: must be between 1 and 67108864, got 0",
			`enrich.rdap.bootstrap_url: must be an absolute http or https url, got "data.iana.org/rdap"`,
		}},
		{name: "bad server url", edit: func(c *Config) { c.ServerURL = "ftp://x/" },
			want: []string{`enrich.rdap.server_url: must be an absolute http or https url, got "ftp://x/"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.edit(&cfg)
			var got []string
			for _, err := range cfg.Validate() {
				got = append(got, err.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := New(Config{}, nil, nil); err == nil {
		t.Error("New accepted a zero Config")
	}
}
