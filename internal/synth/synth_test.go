package synth

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
	"github.com/dnsvigil/dnsvigil/internal/input/zeek"
)

func TestTranco(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr string
	}{
		{name: "one domain a line", in: "google.com\nfacebook.com\n", want: []string{"google.com", "facebook.com"}},
		{name: "rank,domain", in: "1,google.com\r\n2,microsoft.com\r\n3,mail.ru\r\n", want: []string{"google.com", "microsoft.com", "mail.ru"}},
		{name: "case, trailing dot, blanks, comments, duplicates", in: "# list\n\n1,Google.COM.\n2,google.com\n3,www.google.com\n", want: []string{"google.com", "www.google.com"}},
		{name: "bad rank", in: "google.com\nx,facebook.com\n", wantErr: "line 2"},
		{name: "empty domain", in: "1,\n", wantErr: "line 1"},
		{name: "three fields", in: "1,a.com,b\n", wantErr: "line 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Tranco(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("domains (-want +got):\n%s", diff)
			}
		})
	}
}

// sample is a small fixed list standing in for a top-sites list.
func sample() []string {
	return []string{"google.com", "youtube.com", "facebook.com", "example.co.uk", "wikipedia.org",
		"amazon.com", "www.bing.com", "nytimes.com", "github.com", "reddit.com"}
}

// decodeAll decodes a Zeek log, counting events by query type and record
// errors, and checks time order.
func decodeAll(t *testing.T, r io.Reader) (byType map[uint16]int, events, recErrs, nx int) {
	t.Helper()
	dec := zeek.New(r, input.Options{Name: "synthetic-dns.log"})
	byType = map[uint16]int{}
	var ev event.Event
	var last time.Time
	for {
		ev.Reset()
		err := dec.Next(&ev)
		if errors.Is(err, io.EOF) {
			return byType, events, recErrs, nx
		}
		if input.IsRecordError(err) {
			t.Errorf("record error: %v", err)
			recErrs++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		events++
		byType[ev.DNS.QType]++
		if ev.DNS.RCode == event.RcodeNXDomain {
			nx++
		}
		if ev.Time.Before(last) {
			t.Errorf("event %d at %v is before the previous one at %v", events, ev.Time, last)
		}
		last = ev.Time
		if ev.Kind != event.KindDNS || ev.DNS.QName == "" || !ev.Client.Addr().IsPrivate() {
			t.Errorf("event %d: kind %v, name %q, client %v", events, ev.Kind, ev.DNS.QName, ev.Client)
		}
	}
}

func TestWriteZeekDecodes(t *testing.T) {
	tests := []struct {
		name    string
		b       Browsing
		clients int
	}{
		{name: "defaults, 20k queries", b: Browsing{Domains: sample(), Queries: 20000, Seed: 7}},
		{name: "5 clients in a /24, 10 minutes", b: Browsing{Domains: sample(), Queries: 3000, Clients: 5, Span: 10 * time.Minute,
			Network: mustPrefix("192.168.1.0/24"), Seed: 3}},
		{name: "no queries", b: Browsing{Domains: sample(), Queries: 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.b.WriteZeek(&buf); err != nil {
				t.Fatal(err)
			}
			head := strings.Join(strings.SplitN(buf.String(), "\n", 9)[:8], "\n")
			if want := wantHeader; head+"\n" != want {
				t.Errorf("header (-want +got):\n%s", cmp.Diff(want, head+"\n"))
			}
			if !strings.HasPrefix(lastLine(buf.String()), "#close\t") {
				t.Errorf("last line %q, want #close", lastLine(buf.String()))
			}
			byType, events, recErrs, nx := decodeAll(t, &buf)
			if events != tc.b.Queries || recErrs != 0 {
				t.Fatalf("decoded %d events, %d record errors; want %d and 0", events, recErrs, tc.b.Queries)
			}
			if events < 1000 {
				return
			}
			// Every name is asked as A; AAAA and HTTPS follow by habit.
			a, aaaa, https := byType[typeA], byType[typeAAAA], byType[typeHTTPS]
			if a+aaaa+https != events || aaaa < a/3 || aaaa > a || https < a/20 || https > a {
				t.Errorf("query types A=%d AAAA=%d HTTPS=%d of %d: want all three, A most", a, aaaa, https, events)
			}
			if nx == 0 || nx > events/10 {
				t.Errorf("%d NXDOMAIN of %d, want some and under 10%%", nx, events)
			}
		})
	}
}

// wantHeader is the header block Zeek 6 writes for dns.log.
const wantHeader = `#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	dns
#open	2023-11-15-09-00-00
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	trans_id	rtt	query	qclass	qclass_name	qtype	qtype_name	rcode	rcode_name	AA	TC	RD	RA	Z	answers	TTLs	rejected
#types	time	string	addr	port	addr	port	enum	count	interval	string	count	string	count	string	count	string	bool	bool	bool	bool	count	vector[string]	vector[interval]	bool
`

func lastLine(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func TestWriteZeekDeterministic(t *testing.T) {
	sum := func(b Browsing) [32]byte {
		var buf bytes.Buffer
		if err := b.WriteZeek(&buf); err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(buf.Bytes())
	}
	b := Browsing{Domains: sample(), Queries: 5000, Seed: 11}
	if sum(b) != sum(b) {
		t.Error("the same Browsing wrote different streams")
	}
	other := b
	other.Seed = 12
	if sum(b) == sum(other) {
		t.Error("different seeds wrote the same stream")
	}
}

func TestWriteZeekRejects(t *testing.T) {
	tests := []struct {
		name string
		b    Browsing
		want string
	}{
		{name: "no domains", b: Browsing{Queries: 10}, want: "domains"},
		{name: "negative queries", b: Browsing{Domains: sample(), Queries: -1}, want: "queries"},
		{name: "too many clients", b: Browsing{Domains: sample(), Queries: 1, Clients: 200, Network: mustPrefix("10.1.2.0/24")}, want: "clients"},
		{name: "IPv6 network", b: Browsing{Domains: sample(), Queries: 1, Network: mustPrefix("fd00::/64")}, want: "network"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.b.WriteZeek(io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one about %q", err, tc.want)
			}
		})
	}
}

func BenchmarkWriteZeek(b *testing.B) {
	const n = 100_000
	br := Browsing{Domains: sample(), Queries: n, Seed: 1}
	b.ReportAllocs()
	for b.Loop() {
		if err := br.WriteZeek(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
