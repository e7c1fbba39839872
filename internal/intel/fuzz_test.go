package intel

import (
	"bytes"
	"net/netip"
	"os"
	"testing"
)

func seed(f *testing.F, paths ...string) {
	f.Helper()
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// checkLoaded asserts what every load promises: counts agree, problems are
// bounded, and every indicator is canonical, so a Set built from it
// matches it.
func checkLoaded(t *testing.T, inds []Indicator, st Stats) {
	t.Helper()
	if st.Loaded != len(inds) || st.Faulty > st.Skipped || len(st.Problems) > MaxProblems || len(st.Problems) > st.Faulty {
		t.Fatalf("inconsistent stats %+v for %d indicators", st, len(inds))
	}
	s := NewSet(inds)
	for _, ind := range inds {
		var ok bool
		switch ind.Kind {
		case Domain:
			_, ok = s.MatchName(ind.Value)
		case Addr:
			p, err := netip.ParsePrefix(ind.Value)
			if err != nil {
				t.Fatalf("indicator %+v: %v", ind, err)
			}
			_, ok = s.MatchAddr(p.Addr())
		}
		if !ok {
			t.Fatalf("indicator %+v does not match its own set", ind)
		}
	}
}

func FuzzLoadSTIX(f *testing.F) {
	seed(f, "testdata/bundle.json")
	f.Add([]byte(`{"type":"bundle","objects":[{"type":5},{"type":"indicator","created":5}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &collector{name: "fuzz"}
		if err := c.stix(data); err == nil {
			checkLoaded(t, c.inds, c.st)
		}
	})
}

func FuzzLoadMISP(f *testing.F) {
	seed(f, "testdata/event.json")
	f.Add([]byte(`{"response":{"Attribute":[{"type":"domain|ip","value":"a.test|::1","to_ids":1}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &collector{name: "fuzz"}
		if err := c.misp(data); err == nil {
			checkLoaded(t, c.inds, c.st)
		}
	})
}

func FuzzLoadList(f *testing.F) {
	seed(f, "testdata/feed.txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &collector{name: "fuzz"}
		if err := c.list(bytes.NewReader(data)); err != nil {
			t.Fatalf("list load of in-memory data failed: %v", err)
		}
		checkLoaded(t, c.inds, c.st)
		if _, _, err := Load("fuzz", data); err != nil && len(data) == 0 {
			t.Fatalf("empty input: %v", err)
		}
	})
}
