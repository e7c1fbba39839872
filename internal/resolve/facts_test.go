package resolve

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/nsfacts"
	"github.com/dnsvigil/dnsvigil/internal/store"
)

func TestFacts(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	rr := func(name string, typ uint16, data string) store.Fact {
		return store.Fact{Kind: store.KindRR, Name: name, Type: typ, Data: data, Section: store.SectionAnswer, Time: at}
	}
	tests := []struct {
		name string
		res  Result
		want []store.Fact
	}{
		{
			name: "zone",
			res: Result{
				Domain: "example.test", NS: []string{"ns1.example.test", "ns2.example.test"},
				NSAddrs: map[string][]netip.Addr{
					"ns1.example.test": addrs("192.0.2.1"),
					"ns2.example.test": addrs("192.0.2.2", "2001:db8::2"),
				},
				SOA: SOA{MName: "ns1.example.test", RName: "hostmaster.example.test", Serial: 2024010101, Refresh: 7200, Retry: 3600, Expire: 1209600, Minimum: 300},
			},
			want: []store.Fact{
				rr("example.test", event.TypeNS, "ns1.example.test"),
				rr("example.test", event.TypeNS, "ns2.example.test"),
				rr("ns1.example.test", event.TypeA, "192.0.2.1"),
				rr("ns2.example.test", event.TypeA, "192.0.2.2"),
				rr("ns2.example.test", event.TypeAAAA, "2001:db8::2"),
				rr("example.test", event.TypeSOA, "ns1.example.test hostmaster.example.test 2024010101 7200 3600 1209600 300"),
			},
		},
		{name: "NXDOMAIN", res: Result{Domain: "nx.test", Rcode: 3}},
		{name: "failed", res: Result{Domain: "x.test", NS: []string{"ns.x.test"}, Err: ErrNoAnswer}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.res.Facts(at)); diff != "" {
				t.Errorf("facts (-want +got):\n%s", diff)
			}
		})
	}
}

// The SOA data reads back with the parser the detectors use, and every
// fact is one the store accepts.
func TestFactsReadBack(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	res := Result{
		Domain: "example.test", NS: []string{"ns1.example.test"},
		NSAddrs: map[string][]netip.Addr{"ns1.example.test": addrs("192.0.2.1")},
		SOA:     SOA{MName: "ns1.example.test", RName: "hostmaster.example.test", Serial: 4294967295},
	}
	db, err := store.Open(t.TempDir()+"/pdns.db", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range res.Facts(at) {
		if f.Type == event.TypeSOA {
			got, ok := nsfacts.ParseSOA(f.Data)
			want := nsfacts.SOA{MName: res.SOA.MName, RName: res.SOA.RName, Serial: res.SOA.Serial}
			if diff := cmp.Diff(want, got); !ok || diff != "" {
				t.Errorf("ParseSOA(%q) ok=%v (-want +got):\n%s", f.Data, ok, diff)
			}
		}
		if err := db.Add(f); err != nil {
			t.Errorf("store refused %+v: %v", f, err)
		}
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var got []string
	for _, q := range []func() ([]store.Record, error){
		func() ([]store.Record, error) { return db.NSOf(ctx, "example.test") },
		func() ([]store.Record, error) { return db.Addresses(ctx, "ns1.example.test") },
		func() ([]store.Record, error) { return db.SOAOf(ctx, "example.test") },
	} {
		recs, err := q()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			got = append(got, r.Name+" "+r.Data)
		}
	}
	want := []string{
		"example.test ns1.example.test",
		"ns1.example.test 192.0.2.1",
		"example.test ns1.example.test hostmaster.example.test 4294967295 0 0 0 0",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("store reads (-want +got):\n%s", diff)
	}
}
