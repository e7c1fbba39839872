package rdap

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/openrdap/rdap/bootstrap/cache"
)

const (
	cacheVersion = 1
	// maxCacheFile caps what is read back from a cache file; larger files are treated as absent.
	maxCacheFile = 1 << 20
)

// entry is the JSON document stored per domain.
type entry struct {
	Version  int       `json:"version"`
	Domain   string    `json:"domain"`
	Fetched  time.Time `json:"fetched"`
	NotFound bool      `json:"not_found,omitempty"`
	Info     *Info     `json:"info,omitempty"`
}

// diskCache stores one file per domain, named after the validated domain ("example.com.json"),
// which normalize restricts to [a-z0-9.-] without empty labels, so no name can leave the
// directory. An empty dir disables it.
type diskCache struct {
	dir string
}

func (d diskCache) path(name string) string {
	return filepath.Join(d.dir, "domain-"+name+".json")
}

// get reports whether a fresh answer for name is cached at now, and returns it: the Info, or
// ErrNotFound for a negative entry. Missing, unreadable, corrupt, foreign or stale files are misses.
func (d diskCache) get(name string, now time.Time, ttl, negTTL time.Duration) (Info, bool, error) {
	if d.dir == "" {
		return Info{}, false, nil
	}
	data, err := readCapped(d.path(name), maxCacheFile)
	if err != nil {
		return Info{}, false, nil
	}
	var e entry
	if json.Unmarshal(data, &e) != nil || e.Version != cacheVersion || e.Domain != name {
		return Info{}, false, nil
	}
	if e.NotFound {
		ttl = negTTL
	} else if e.Info == nil {
		return Info{}, false, nil
	}
	age := now.Sub(e.Fetched)
	if age < 0 || age >= ttl {
		return Info{}, false, nil
	}
	if e.NotFound {
		return Info{}, true, ErrNotFound
	}
	return *e.Info, true, nil
}

// put stores e, replacing any older file atomically.
func (d diskCache) put(e entry) error {
	if d.dir == "" {
		return nil
	}
	e.Version = cacheVersion
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return writeAtomic(d.path(e.Domain), data)
}

func readCapped(path string, limit int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > limit {
		return nil, fmt.Errorf("%s: not a regular file under %d bytes", path, limit)
	}
	return os.ReadFile(path)
}

// writeAtomic writes data to a temporary file in the same directory and renames it over path,
// so readers see either the old or the new content.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// registryCache implements openrdap's cache.RegistryCache for the bootstrap file with the
// injected clock (openrdap's own caches read the wall clock). Files live in memory and, when
// dir is set, on disk as "bootstrap-<file>" with their save time as the modification time.
type registryCache struct {
	dir string
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	files map[string]savedFile // at most one per registry type
}

type savedFile struct {
	data  []byte
	saved time.Time
}

func newRegistryCache(dir string, ttl time.Duration, now func() time.Time) *registryCache {
	return &registryCache{dir: dir, ttl: ttl, now: now, files: make(map[string]savedFile)}
}

func (r *registryCache) diskPath(filename string) string {
	return filepath.Join(r.dir, "bootstrap-"+filepath.Base(filename))
}

// SetTimeout sets how long a saved file stays Good.
func (r *registryCache) SetTimeout(ttl time.Duration) {
	r.mu.Lock()
	r.ttl = ttl
	r.mu.Unlock()
}

// Save keeps data in memory and, with a directory, writes it atomically to disk.
func (r *registryCache) Save(filename string, data []byte) error {
	now := r.now()
	r.mu.Lock()
	r.files[filename] = savedFile{data: append([]byte(nil), data...), saved: now}
	r.mu.Unlock()
	if r.dir == "" {
		return nil
	}
	p := r.diskPath(filename)
	if err := writeAtomic(p, data); err != nil {
		return err
	}
	return os.Chtimes(p, now, now)
}

// Load returns the saved file, expired or not.
func (r *registryCache) Load(filename string) ([]byte, error) {
	f, ok := r.lookup(filename)
	if !ok {
		return nil, fmt.Errorf("bootstrap file %s: %w", filename, fs.ErrNotExist)
	}
	return append([]byte(nil), f.data...), nil
}

// State reports Absent, Good or Expired by the injected clock.
func (r *registryCache) State(filename string) cache.FileState {
	f, ok := r.lookup(filename)
	if !ok {
		return cache.Absent
	}
	r.mu.Lock()
	ttl := r.ttl
	r.mu.Unlock()
	if age := r.now().Sub(f.saved); age < 0 || age >= ttl {
		return cache.Expired
	}
	return cache.Good
}

// lookup finds the file in memory, loading it from disk on first use.
func (r *registryCache) lookup(filename string) (savedFile, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.files[filename]; ok {
		return f, true
	}
	if r.dir == "" {
		return savedFile{}, false
	}
	p := r.diskPath(filename)
	fi, err := os.Stat(p)
	if err != nil {
		return savedFile{}, false
	}
	data, err := readCapped(p, maxResponseLimit)
	if err != nil {
		return savedFile{}, false
	}
	f := savedFile{data: data, saved: fi.ModTime()}
	r.files[filename] = f
	return f, true
}
