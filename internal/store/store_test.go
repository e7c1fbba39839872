package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func openT(t testing.TB, path string, opts Options) *DB {
	t.Helper()
	db, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

func rr(name string, typ uint16, data string, sec Section, ts int) Fact {
	return Fact{Kind: KindRR, Name: name, Type: typ, Data: data, Section: sec, Time: at(ts)}
}

func client(c, d string, ts int) Fact {
	return Fact{Kind: KindClient, Client: c, Domain: d, Time: at(ts)}
}

func addAll(t testing.TB, db *DB, facts ...Fact) {
	t.Helper()
	for _, f := range facts {
		if err := db.Add(f); err != nil {
			t.Fatalf("Add(%+v): %v", f, err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	path := t.TempDir() + "/pdns.db"
	scans := [][]Fact{
		{
			rr("example.com", typeNS, "ns1.evil.net", SectionAuthority, 10),
			rr("example.com", typeNS, "ns1.evil.net", SectionAuthority, 20),
			rr("www.example.com", typeA, "192.0.2.1", SectionAnswer, 15),
			client("10.0.0.5", "example.com", 15),
		},
		{
			rr("example.com", typeNS, "ns1.evil.net", SectionAnswer, 500),
			rr("www.example.com", typeA, "192.0.2.2", SectionAnswer, 505),
			client("10.0.0.5", "example.com", 600),
		},
	}
	for _, facts := range scans {
		db := openT(t, path, Options{})
		addAll(t, db, facts...)
		if err := db.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	db := openT(t, path, Options{})
	defer db.Close()
	ctx := context.Background()
	tests := []struct {
		name string
		got  func() (any, error)
		want any
	}{
		{"ns first seen stays, last moves, counts add", func() (any, error) { return db.NSOf(ctx, "example.com") },
			[]Record{{Name: "example.com", Type: typeNS, Data: "ns1.evil.net", Sections: SectionAnswer | SectionAuthority,
				First: at(10), Last: at(500), Count: 3}}},
		{"addresses from both scans", func() (any, error) { return db.Addresses(ctx, "www.example.com") },
			[]Record{
				{Name: "www.example.com", Type: typeA, Data: "192.0.2.1", Sections: SectionAnswer, First: at(15), Last: at(15), Count: 1},
				{Name: "www.example.com", Type: typeA, Data: "192.0.2.2", Sections: SectionAnswer, First: at(505), Last: at(505), Count: 1},
			}},
		{"client across scans", func() (any, error) { return db.Clients(ctx, "example.com", time.Time{}, time.Time{}, 0) },
			[]ClientSeen{{Client: "10.0.0.5", Domain: "example.com", First: at(15), Last: at(600), Count: 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.got()
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
	st, err := db.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.FileBytes = 0
	want := Stats{RRsets: 3, ClientDomains: 1, First: at(10), Last: at(600), SchemaVersion: SchemaVersion}
	if d := cmp.Diff(want, st); d != "" {
		t.Errorf("Stats (-want +got)\n%s", d)
	}
}

func TestPreAggregation(t *testing.T) {
	path := t.TempDir() + "/pdns.db"
	db := openT(t, path, Options{FlushEvery: time.Hour})
	ctx := context.Background()
	for i := range 10_000 {
		addAll(t, db, rr("host.example.com", typeA, "192.0.2."+string(rune('0'+i%10)), SectionAnswer, i%600))
	}
	if got := db.Pending(); got != 10 {
		t.Errorf("Pending() = %d, want 10", got)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	got, err := db.Addresses(ctx, "host.example.com")
	if err != nil {
		t.Fatal(err)
	}
	var want []Record
	for i := range 10 {
		want = append(want, Record{Name: "host.example.com", Type: typeA, Data: "192.0.2." + string(rune('0'+i)),
			Sections: SectionAnswer, First: at(i), Last: at(590 + i), Count: 1000})
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFlushTriggers(t *testing.T) {
	tests := []struct {
		name        string
		opts        Options
		facts       []Fact
		wantPending int
		wantFlushes int64
		wantRows    int64
	}{
		{"max pending forces a flush", Options{FlushEvery: time.Hour, MaxPending: 3},
			[]Fact{rr("a.test", typeA, "192.0.2.1", SectionAnswer, 0), rr("b.test", typeA, "192.0.2.1", SectionAnswer, 0),
				client("10.0.0.1", "a.test", 0), rr("c.test", typeA, "192.0.2.1", SectionAnswer, 0)},
			1, 1, 3},
		{"below max pending stays pending", Options{FlushEvery: time.Hour, MaxPending: 3},
			[]Fact{rr("a.test", typeA, "192.0.2.1", SectionAnswer, 0), rr("a.test", typeA, "192.0.2.1", SectionAnswer, 1)},
			1, 0, 0},
		{"flush every by event time", Options{FlushEvery: time.Minute},
			[]Fact{rr("a.test", typeA, "192.0.2.1", SectionAnswer, 0), rr("a.test", typeA, "192.0.2.1", SectionAnswer, 59),
				rr("b.test", typeA, "192.0.2.1", SectionAnswer, 60)},
			1, 1, 1},
		{"out of order times do not flush", Options{FlushEvery: time.Minute},
			[]Fact{rr("a.test", typeA, "192.0.2.1", SectionAnswer, 30), rr("a.test", typeA, "192.0.2.1", SectionAnswer, 0)},
			1, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openT(t, t.TempDir()+"/pdns.db", tc.opts)
			defer db.Close()
			addAll(t, db, tc.facts...)
			st, err := db.Stats(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got := [3]int64{int64(st.Pending), st.Flushes, st.RRsets + st.ClientDomains}
			want := [3]int64{int64(tc.wantPending), tc.wantFlushes, tc.wantRows}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("[pending flushes rows] (-want +got)\n%s", d)
			}
		})
	}
}

func TestPrune(t *testing.T) {
	db := openT(t, t.TempDir()+"/pdns.db", Options{})
	defer db.Close()
	addAll(t, db,
		rr("old.test", typeA, "192.0.2.1", SectionAnswer, 100),
		rr("kept.test", typeA, "192.0.2.1", SectionAnswer, 100),
		rr("kept.test", typeA, "192.0.2.1", SectionAnswer, 300),
		client("10.0.0.1", "old.test", 100),
		client("10.0.0.2", "kept.test", 200),
	)
	n, err := db.Prune(at(200))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("Prune deleted %d rows, want 2", n)
	}
	got, err := db.NamesAt(context.Background(), "192.0.2.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{{Name: "kept.test", Type: typeA, Data: "192.0.2.1", Sections: SectionAnswer, First: at(100), Last: at(300), Count: 2}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	cl, err := db.Clients(context.Background(), "kept.test", time.Time{}, time.Time{}, 0)
	if err != nil || len(cl) != 1 {
		t.Errorf("Clients(kept.test) = %v, %v; want one row", cl, err)
	}
}

func TestRetention(t *testing.T) {
	path := t.TempDir() + "/pdns.db"
	db := openT(t, path, Options{Retention: time.Hour})
	addAll(t, db, rr("old.test", typeA, "192.0.2.1", SectionAnswer, 0), rr("new.test", typeA, "192.0.2.1", SectionAnswer, 7200))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openT(t, path, Options{})
	defer db.Close()
	got, err := db.NamesAt(context.Background(), "192.0.2.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{{Name: "new.test", Type: typeA, Data: "192.0.2.1", Sections: SectionAnswer, First: at(7200), Last: at(7200), Count: 1}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

func TestOddStrings(t *testing.T) {
	path := t.TempDir() + "/pdns.db"
	db := openT(t, path, Options{})
	long := strings.Repeat("a", MaxNameLen)
	odd := []struct {
		name string
		f    Fact
	}{
		{"NUL bytes", rr("nul\x00name.test", typeTXT, "\"a\x00b\"", SectionAnswer, 1)},
		{"invalid UTF-8", rr("bad\xff\xfeutf8.test", typeA, "\xc3\x28", SectionAnswer, 2)},
		{"longest name and data", rr(long, typeTXT, strings.Repeat("\xff", MaxDataLen), SectionAnswer, 3)},
		{"empty data", rr("empty-data.test", typeNULL, "", 0, 4)},
		{"odd client", client("host\x00name", "x\xffy.test", 5)},
	}
	for _, tc := range odd {
		addAll(t, db, tc.f)
	}
	bad := []struct {
		name string
		f    Fact
	}{
		{"name over the limit", rr(long+"a", typeA, "192.0.2.1", SectionAnswer, 1)},
		{"data over the limit", rr("a.test", typeTXT, strings.Repeat("x", MaxDataLen+1), SectionAnswer, 1)},
		{"empty name", rr("", typeA, "192.0.2.1", SectionAnswer, 1)},
		{"zero time", Fact{Kind: KindRR, Name: "a.test", Type: typeA, Data: "192.0.2.1"}},
		{"unknown kind", Fact{Kind: 9, Name: "a.test", Time: at(1)}},
		{"empty client", client("", "a.test", 1)},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if err := db.Add(tc.f); !errors.Is(err, ErrInvalidFact) {
				t.Errorf("Add = %v, want ErrInvalidFact", err)
			}
		})
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openT(t, path, Options{})
	defer db.Close()
	ctx := context.Background()
	for _, tc := range odd {
		f := tc.f
		t.Run("round trip "+tc.name, func(t *testing.T) {
			if f.Kind == KindClient {
				got, err := db.Clients(ctx, f.Domain, time.Time{}, time.Time{}, 0)
				if err != nil || len(got) != 1 || got[0].Client != f.Client {
					t.Errorf("Clients(%q) = %+v, %v", f.Domain, got, err)
				}
				return
			}
			got, err := db.RRs(ctx, f.Name, f.Type)
			if err != nil {
				t.Fatal(err)
			}
			want := []Record{{Name: f.Name, Type: f.Type, Data: f.Data, Sections: f.Section, First: f.Time, Last: f.Time, Count: 1}}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("(-want +got)\n%.2000s", d)
			}
		})
	}
}

const (
	typeNULL = 10
	typeTXT  = 16
)
