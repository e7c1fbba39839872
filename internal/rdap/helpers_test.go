package rdap

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is the injected clock of the tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 6, 10, 18, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// registry is a loopback stand-in for IANA and the RDAP servers. It serves
// testdata/bootstrap_dns.json at /rdap/dns.json with every https:// base URL pointed at its TLS
// listener and every http:// one at its plain listener under /insecure/, and answers ".../domain/NAME" from
// testdata/domain/NAME.json, or 404 with an RDAP error object.
type registry struct {
	srv       *httptest.Server // TLS, for the https:// base URLs and the bootstrap file
	plain     *httptest.Server // plain HTTP, for the http:// base URLs
	queries   atomic.Int64     // domain requests
	bootstrap atomic.Int64     // bootstrap file requests
	mu        sync.Mutex
	status    map[string]int // per-domain status override
	slow      map[string]bool
}

func newRegistry(t *testing.T) *registry {
	t.Helper()
	boot, err := os.ReadFile(filepath.Join("testdata", "bootstrap_dns.json"))
	if err != nil {
		t.Fatal(err)
	}
	r := &registry{status: map[string]int{}, slow: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/rdap/dns.json", func(w http.ResponseWriter, _ *http.Request) {
		r.bootstrap.Add(1)
		rw := strings.NewReplacer("https://", r.srv.URL+"/", "http://", r.plain.URL+"/insecure/")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(rw.Replace(string(boot))))
	})
	mux.HandleFunc("/", r.serveDomain)
	r.srv = httptest.NewTLSServer(mux)
	t.Cleanup(r.srv.Close)
	r.plain = httptest.NewServer(mux)
	t.Cleanup(r.plain.Close)
	return r
}

func (r *registry) serveDomain(w http.ResponseWriter, req *http.Request) {
	i := strings.LastIndex(req.URL.Path, "/domain/")
	if i < 0 {
		http.NotFound(w, req)
		return
	}
	r.queries.Add(1)
	name := strings.ToLower(req.URL.Path[i+len("/domain/"):])
	r.mu.Lock()
	code, slow := r.status[name], r.slow[name]
	r.mu.Unlock()
	if slow {
		select {
		case <-req.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return
	}
	w.Header().Set("Content-Type", "application/rdap+json")
	if code != 0 {
		w.WriteHeader(code)
		return
	}
	body, err := os.ReadFile(filepath.Join("testdata", "domain", filepath.Base(name)+".json"))
	if err != nil {
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"errorCode":404,"title":"Not Found","rdapConformance":["rdap_level_0"]}`))
		return
	}
	w.Write(body)
}

func (r *registry) set(name string, code int, slow bool) {
	r.mu.Lock()
	r.status[name], r.slow[name] = code, slow
	r.mu.Unlock()
}

// config returns an enabled Config pointing at the registry, caching under a fresh directory.
func (r *registry) config(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.Enabled = true
	cfg.CacheDir = t.TempDir()
	cfg.BootstrapURL = r.srv.URL + "/rdap"
	return cfg
}

// client returns a Client that trusts the registry's TLS certificate.
func (r *registry) client(t *testing.T, cfg Config, clock *fakeClock) *Client {
	t.Helper()
	c, err := New(cfg, r.srv.Client(), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
