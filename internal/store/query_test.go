package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestQueries(t *testing.T) {
	db := openT(t, t.TempDir()+"/pdns.db", Options{})
	defer db.Close()
	addAll(t, db,
		// A referral for example.com with glue, then the answer.
		rr("example.com", typeNS, "ns1.evil.net", SectionAuthority, 10),
		rr("example.com", typeNS, "ns2.evil.net", SectionAuthority, 10),
		rr("ns1.evil.net", typeA, "192.0.2.53", SectionAdditional, 10),
		rr("example.com", typeSOA, "ns1.evil.net hostmaster.evil.net", SectionAuthority, 11),
		rr("www.example.com", typeA, "192.0.2.1", SectionAnswer, 12),
		rr("www.example.com", typeAAAA, "2001:db8::1", SectionAnswer, 12),
		rr("www.example.com", typeTXT, "\"v=spf1 -all\"", SectionAnswer, 12),
		// A sibling domain on the same name server, seen later.
		rr("other.org", typeNS, "ns1.evil.net", SectionAnswer, 400),
		rr("mail.other.org", typeA, "192.0.2.1", SectionAnswer, 410),
		client("10.0.0.5", "example.com", 12),
		client("10.0.0.6", "example.com", 300),
		client("10.0.0.6", "example.com", 320),
		client("laptop-7.corp", "other.org", 400),
	)
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ns := func(name, host string, sec Section, ts int) Record {
		return Record{Name: name, Type: typeNS, Data: host, Sections: sec, First: at(ts), Last: at(ts), Count: 1}
	}
	a := func(name string, typ uint16, addr string, sec Section, ts int) Record {
		return Record{Name: name, Type: typ, Data: addr, Sections: sec, First: at(ts), Last: at(ts), Count: 1}
	}
	tests := []struct {
		name string
		got  func() (any, error)
		want any
	}{
		{"NSOf", func() (any, error) { return db.NSOf(ctx, "example.com") },
			[]Record{ns("example.com", "ns1.evil.net", SectionAuthority, 10), ns("example.com", "ns2.evil.net", SectionAuthority, 10)}},
		{"NSOf unknown", func() (any, error) { return db.NSOf(ctx, "nothing.test") }, []Record(nil)},
		{"DomainsOn newest first", func() (any, error) { return db.DomainsOn(ctx, "ns1.evil.net", 0) },
			[]Record{ns("other.org", "ns1.evil.net", SectionAnswer, 400), ns("example.com", "ns1.evil.net", SectionAuthority, 10)}},
		{"DomainsOn limit", func() (any, error) { return db.DomainsOn(ctx, "ns1.evil.net", 1) },
			[]Record{ns("other.org", "ns1.evil.net", SectionAnswer, 400)}},
		{"Addresses", func() (any, error) { return db.Addresses(ctx, "www.example.com") },
			[]Record{a("www.example.com", typeA, "192.0.2.1", SectionAnswer, 12), a("www.example.com", typeAAAA, "2001:db8::1", SectionAnswer, 12)}},
		{"Addresses from glue", func() (any, error) { return db.Addresses(ctx, "ns1.evil.net") },
			[]Record{a("ns1.evil.net", typeA, "192.0.2.53", SectionAdditional, 10)}},
		{"NamesAt", func() (any, error) { return db.NamesAt(ctx, "192.0.2.1", 0) },
			[]Record{a("mail.other.org", typeA, "192.0.2.1", SectionAnswer, 410), a("www.example.com", typeA, "192.0.2.1", SectionAnswer, 12)}},
		{"NamesAt v6", func() (any, error) { return db.NamesAt(ctx, "2001:db8::1", 0) },
			[]Record{a("www.example.com", typeAAAA, "2001:db8::1", SectionAnswer, 12)}},
		{"SOAOf", func() (any, error) { return db.SOAOf(ctx, "example.com") },
			[]Record{a("example.com", typeSOA, "ns1.evil.net hostmaster.evil.net", SectionAuthority, 11)}},
		{"RRs all types", func() (any, error) { return db.RRs(ctx, "www.example.com", 0) },
			[]Record{a("www.example.com", typeA, "192.0.2.1", SectionAnswer, 12), a("www.example.com", typeTXT, "\"v=spf1 -all\"", SectionAnswer, 12),
				a("www.example.com", typeAAAA, "2001:db8::1", SectionAnswer, 12)}},
		{"Clients open range", func() (any, error) { return db.Clients(ctx, "example.com", time.Time{}, time.Time{}, 0) },
			[]ClientSeen{{Client: "10.0.0.6", Domain: "example.com", First: at(300), Last: at(320), Count: 2},
				{Client: "10.0.0.5", Domain: "example.com", First: at(12), Last: at(12), Count: 1}}},
		{"Clients since", func() (any, error) { return db.Clients(ctx, "example.com", at(100), time.Time{}, 0) },
			[]ClientSeen{{Client: "10.0.0.6", Domain: "example.com", First: at(300), Last: at(320), Count: 2}}},
		{"Clients until", func() (any, error) { return db.Clients(ctx, "example.com", time.Time{}, at(100), 0) },
			[]ClientSeen{{Client: "10.0.0.5", Domain: "example.com", First: at(12), Last: at(12), Count: 1}}},
		{"Clients overlapping range", func() (any, error) { return db.Clients(ctx, "example.com", at(310), at(315), 0) },
			[]ClientSeen{{Client: "10.0.0.6", Domain: "example.com", First: at(300), Last: at(320), Count: 2}}},
		{"Clients empty range", func() (any, error) { return db.Clients(ctx, "example.com", at(100), at(200), 0) },
			[]ClientSeen(nil)},
		{"Clients host name", func() (any, error) { return db.Clients(ctx, "other.org", time.Time{}, time.Time{}, 1) },
			[]ClientSeen{{Client: "laptop-7.corp", Domain: "other.org", First: at(400), Last: at(400), Count: 1}}},
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
	t.Run("NSFirstSeen", func(t *testing.T) {
		for _, c := range []struct {
			host  string
			first time.Time
			ok    bool
		}{{"ns1.evil.net", at(10), true}, {"ns2.evil.net", at(10), true}, {"ns9.evil.net", time.Time{}, false}} {
			first, ok, err := db.NSFirstSeen(ctx, c.host)
			if err != nil || ok != c.ok || !first.Equal(c.first) {
				t.Errorf("NSFirstSeen(%s) = %v, %v, %v; want %v, %v", c.host, first, ok, err, c.first, c.ok)
			}
		}
	})
}

// TestQueryPlans checks that every pivot reads an index, not the whole table.
func TestQueryPlans(t *testing.T) {
	db := openT(t, t.TempDir()+"/pdns.db", Options{})
	defer db.Close()
	queries := []struct {
		name, sql, index string
	}{
		{"NSOf", `SELECT * FROM rrset WHERE name = 'a' AND type = 2`, "PRIMARY KEY"},
		{"DomainsOn", `SELECT * FROM rrset WHERE data = 'a' AND type = 2 ORDER BY last_seen DESC`, "rrset_by_data"},
		{"NamesAt", `SELECT * FROM rrset WHERE data = 'a' AND type IN (1, 28)`, "rrset_by_data"},
		{"NSFirstSeen", `SELECT min(first_seen) FROM rrset WHERE data = 'a' AND type = 2`, "rrset_by_data"},
		{"Clients", `SELECT * FROM client_domain WHERE domain = 'a' AND last_seen >= 1 AND first_seen <= 2`, "client_domain_by_domain"},
	}
	for _, q := range queries {
		t.Run(q.name, func(t *testing.T) {
			rows, err := db.sql.Query(`EXPLAIN QUERY PLAN ` + q.sql)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan += detail + "\n"
			}
			if !strings.Contains(plan, "SEARCH") || !strings.Contains(plan, q.index) || strings.Contains(plan, "SCAN") {
				t.Errorf("plan does not use %s:\n%s", q.index, plan)
			}
		})
	}
}

func TestRecentNS(t *testing.T) {
	db := openT(t, t.TempDir()+"/s.db", Options{})
	defer db.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, z := range []string{"a.example", "b.example", "c.example"} {
		if err := db.Add(Fact{Kind: KindRR, Name: z, Type: 2, Data: "ns1.host.example", Section: SectionAuthority, Time: t0.Add(time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Add(Fact{Kind: KindRR, Name: "a.example", Type: 1, Data: "192.0.2.1", Section: SectionAnswer, Time: t0}); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	recs, err := db.RecentNS(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Name != "c.example" || recs[1].Name != "b.example" {
		t.Errorf("RecentNS(2) = %+v", recs)
	}
	if err := db.Add(Fact{Kind: KindRR, Name: "ns1.host.example", Type: 1, Data: "198.51.100.53", Section: SectionAdditional, Time: t0}); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	addrs, err := db.RecentNSAddresses(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	// 192.0.2.1 is the address of a.example, not of a name server.
	if len(addrs) != 1 || addrs[0] != (NSAddress{Addr: "198.51.100.53", Zone: "a.example"}) {
		t.Errorf("RecentNSAddresses = %+v", addrs)
	}
}
