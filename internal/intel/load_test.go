package intel

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	stixDomainID = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
	stixNetID    = "indicator--a932fcc6-e032-476c-826f-cb970a5a1ade"
	stixV6ID     = "ipv6-addr--1e61d36c-a16c-53b7-a80f-2a00161c96b1"
	stixAndID    = "indicator--c6a1e3f2-7d41-4b0e-9f57-1b8d2e4f6a90"
	mispEventID  = "5e8f4c3a-9b1d-4f6e-a2c7-0d3b8e1f4a62"
)

// summary is what a load test compares: the indicators, the counts and the
// problem texts.
type summary struct {
	Inds     []Indicator
	Loaded   int
	Skipped  int
	Faulty   int
	Problems []string
}

func summarize(inds []Indicator, st Stats) summary {
	s := summary{Inds: inds, Loaded: st.Loaded, Skipped: st.Skipped, Faulty: st.Faulty}
	for _, p := range st.Problems {
		var le *LoadError
		if !errors.As(p, &le) {
			s.Problems = append(s.Problems, "not a *LoadError: "+p.Error())
			continue
		}
		s.Problems = append(s.Problems, p.Error())
	}
	return s
}

func mispSrc(attr string) string {
	return "testdata/event.json (MISP event " + mispEventID + " attribute 0b7c0d0a-3c31-4a34-9d4a-6f0f8f2d9a" + attr + ")"
}

func TestLoadFile(t *testing.T) {
	const mispLabel = "evil-c2 DNS infrastructure"
	tests := []struct {
		name string
		path string
		want summary
	}{
		{
			name: "stix bundle with unknown objects loads the rest",
			path: "testdata/bundle.json",
			want: summary{
				Inds: []Indicator{
					{Kind: Domain, Value: "evil-c2.test", Source: "testdata/bundle.json (STIX " + stixDomainID + " 'evil-c2 adversary zone')", Label: "evil-c2 adversary zone", ToIDs: true},
					{Kind: Addr, Value: "203.0.113.0/24", Source: "testdata/bundle.json (STIX " + stixNetID + ")", Label: "evil-c2 hosting network", ToIDs: true},
					{Kind: Domain, Value: "drop.evil-c2.test", Source: "testdata/bundle.json (STIX " + stixNetID + ")", Label: "evil-c2 hosting network", ToIDs: true},
					{Kind: Addr, Value: "2001:db8:c2::53/128", Source: "testdata/bundle.json (STIX " + stixV6ID + ")", ToIDs: true},
				},
				Loaded: 4, Skipped: 5, Faulty: 1,
				Problems: []string{"testdata/bundle.json:74: " + stixAndID + ": unsupported pattern: unsupported AND in pattern"},
			},
		},
		{
			name: "misp event export with attributes and objects",
			path: "testdata/event.json",
			want: summary{
				Inds: []Indicator{
					{Kind: Domain, Value: "evil-c2.test", Source: mispSrc("01"), Label: mispLabel + ": adversary zone", ToIDs: true},
					{Kind: Domain, Value: "ns1.evil-c2.test", Source: mispSrc("02"), Label: mispLabel, ToIDs: true},
					{Kind: Addr, Value: "203.0.113.53/32", Source: mispSrc("03"), Label: mispLabel, ToIDs: true},
					{Kind: Addr, Value: "198.51.100.0/28", Source: mispSrc("04"), Label: mispLabel + ": scanner range", ToIDs: false},
					{Kind: Domain, Value: "mail.evil-c2.test", Source: mispSrc("10"), Label: mispLabel, ToIDs: true},
					{Kind: Addr, Value: "203.0.113.80/32", Source: mispSrc("10"), Label: mispLabel, ToIDs: true},
					{Kind: Domain, Value: "panel.evil-c2.test", Source: mispSrc("11"), Label: mispLabel, ToIDs: true},
					{Kind: Addr, Value: "2001:db8:c2::80/128", Source: mispSrc("12"), Label: mispLabel, ToIDs: false},
				},
				Loaded: 8, Skipped: 3, Faulty: 1,
				Problems: []string{`testdata/event.json: attribute 0b7c0d0a-3c31-4a34-9d4a-6f0f8f2d9a06: bad value: type ip-dst: invalid IP address "203.0.113.999"`},
			},
		},
		{
			name: "plain list with comments and a bad line",
			path: "testdata/feed.txt",
			want: summary{
				Inds: []Indicator{
					{Kind: Domain, Value: "evil-c2.test", Source: "testdata/feed.txt:4", Label: "adversary zone", ToIDs: true},
					{Kind: Domain, Value: "cdn-evil.test", Source: "testdata/feed.txt:5", ToIDs: true},
					{Kind: Addr, Value: "203.0.113.53/32", Source: "testdata/feed.txt:6", ToIDs: true},
					{Kind: Addr, Value: "198.51.100.0/24", Source: "testdata/feed.txt:7", Label: "hosting range", ToIDs: true},
					{Kind: Addr, Value: "2001:db8:c2::/48", Source: "testdata/feed.txt:8", ToIDs: true},
					{Kind: Domain, Value: "ns1.evil-c2.test", Source: "testdata/feed.txt:10", ToIDs: true},
				},
				Loaded: 6, Skipped: 1, Faulty: 1,
				Problems: []string{`testdata/feed.txt:9: bad line: more than one entry: "not a domain"`},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inds, st, err := LoadFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, summarize(inds, st)); diff != "" {
				t.Errorf("LoadFile(%s) mismatch (-want +got):\n%s", tc.path, diff)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	long := strings.Repeat("a", 10000) + ".test\nevil-c2.test\n"
	tests := []struct {
		name    string
		data    string
		want    summary
		wantErr error
	}{
		{name: "empty file", data: "", want: summary{}},
		{name: "only comments and blanks", data: "# nothing\n\n   \n# here\r\n", want: summary{}},
		{
			name: "huge line is skipped and the next one loads",
			data: long,
			want: summary{
				Inds:   []Indicator{{Kind: Domain, Value: "evil-c2.test", Source: "in:2", ToIDs: true}},
				Loaded: 1, Skipped: 1, Faulty: 1,
				Problems: []string{"in:1: bad line: line longer than 4096 bytes"},
			},
		},
		{
			name: "list entries of every problem kind",
			data: "test\n10.0.0.1/8\n1.2.3.4.5\nbad_label-.ex!ample.test\n*.EVIL-C2.test\r\n::ffff:203.0.113.9\nbücher.test\n",
			want: summary{
				Inds: []Indicator{
					{Kind: Domain, Value: "evil-c2.test", Source: "in:5", ToIDs: true},
					{Kind: Addr, Value: "203.0.113.9/32", Source: "in:6", ToIDs: true},
					{Kind: Domain, Value: "xn--bcher-kva.test", Source: "in:7", ToIDs: true},
				},
				Loaded: 3, Skipped: 4, Faulty: 4,
				Problems: []string{
					`in:1: bad line: domain name "test" has one label and would match a whole top-level domain`,
					`in:2: bad line: invalid CIDR "10.0.0.1/8": address bits set beyond the /8 mask (network is 10.0.0.0/8)`,
					`in:3: bad line: invalid IP address "1.2.3.4.5"`,
					`in:4: bad line: invalid domain name "bad_label-.ex!ample.test": character '!' not allowed`,
				},
			},
		},
		{name: "json that is neither stix nor misp", data: `{"indicators": ["evil-c2.test"]}`, wantErr: ErrUnknownFormat},
		{name: "json list that is not misp", data: `[{"value": "evil-c2.test"}]`, wantErr: ErrUnknownFormat},
		{name: "binary file", data: "\x7fELF\x02\x01\x01\x00\x00\x00", wantErr: ErrUnknownFormat},
		{name: "truncated stix bundle", data: `{"type":"bundle","objects":[{"type":"indicator"`, wantErr: ErrUnknownFormat},
		{
			name: "misp list of events and a broken one",
			data: `[{"Event":{"uuid":"e1","info":"one","Attribute":[{"uuid":"a1","type":"domain","value":"evil-c2.test","to_ids":"1"}]}},{"Event":5}]`,
			want: summary{
				Inds:   []Indicator{{Kind: Domain, Value: "evil-c2.test", Source: "in (MISP event e1 attribute a1)", Label: "one", ToIDs: true}},
				Loaded: 1, Skipped: 1, Faulty: 1,
				Problems: []string{"in: event #2: malformed MISP event: json: cannot unmarshal number into Go struct field .Event of type intel.mispEvent"},
			},
		},
		{
			name: "misp rest response with events",
			data: `{"response":[{"Event":{"uuid":"e2","info":"two","Attribute":[{"uuid":"a2","type":"ip-dst","value":"203.0.113.53","to_ids":false}]}}]}`,
			want: summary{
				Inds:   []Indicator{{Kind: Addr, Value: "203.0.113.53/32", Source: "in (MISP event e2 attribute a2)", Label: "two"}},
				Loaded: 1,
			},
		},
		{
			name: "misp rest response with attributes",
			data: `{"response":{"Attribute":[{"id":"77","type":"hostname","category":"Network activity","value":"ns1.evil-c2.test","to_ids":true},{"id":78,"type":"url","value":"http://evil-c2.test/"}]}}`,
			want: summary{
				Inds:    []Indicator{{Kind: Domain, Value: "ns1.evil-c2.test", Source: "in (MISP attribute 77)", Label: "Network activity", ToIDs: true}},
				Loaded:  1,
				Skipped: 1,
			},
		},
		{
			name: "stix objects malformed, revoked, other patterns",
			data: `{"objects":[
{"type":"indicator","id":"indicator--nope","pattern":"[domain-name:value = 'a.test']"},
{"type":5},
{"type":"indicator","id":"indicator--6b1c0b36-9d4b-4a4c-8d3e-0b8f3a6f8a01","revoked":true,"pattern":"[domain-name:value = 'old.evil-c2.test']","pattern_type":"stix"},
{"type":"indicator","id":"indicator--6b1c0b36-9d4b-4a4c-8d3e-0b8f3a6f8a02","pattern":"rule x { condition: true }","pattern_type":"yara"},
{"type":"indicator","id":"indicator--6b1c0b36-9d4b-4a4c-8d3e-0b8f3a6f8a03","pattern":"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e'] OR ([domain-name:value = 'Evil-C2.test'] OR [ipv6-addr:value = '2001:db8::/32'])","pattern_type":"stix"},
{"type":"indicator","id":"indicator--6b1c0b36-9d4b-4a4c-8d3e-0b8f3a6f8a04","pattern":"[ipv4-addr:value = '2001:db8::1']","pattern_type":"stix"},
{"type":"indicator","id":"indicator--6b1c0b36-9d4b-4a4c-8d3e-0b8f3a6f8a05","pattern":"[domain-name:value = 'a.test'] WITHIN 5 SECONDS","pattern_type":"stix"},
{"type":"domain-name","id":"domain-name--6b1c0b36-9d4b-4a4c-8d3e-0b8f3a6f8a06","value":"ns2.evil-c2.test"}
],"type":"bundle"}`,
			want: summary{
				Inds: []Indicator{
					{Kind: Domain, Value: "evil-c2.test", Source: "in (STIX indicator--6b1c0b36-9d4b-4a4c-8d3e-0b8f3a6f8a03)", ToIDs: true},
					{Kind: Addr, Value: "2001:db8::/32", Source: "in (STIX indicator--6b1c0b36-9d4b-4a4c-8d3e-0b8f3a6f8a03)", ToIDs: true},
					{Kind: Domain, Value: "ns2.evil-c2.test", Source: "in (STIX domain-name--6b1c0b36-9d4b-4a4c-8d3e-0b8f3a6f8a06)", ToIDs: true},
				},
				Loaded: 3, Skipped: 7, Faulty: 5,
				Problems: []string{
					`in:2: indicator--nope: malformed STIX object: invalid id "indicator--nope" for type "indicator"`,
					`in:3: malformed STIX object: json: cannot unmarshal number into Go struct field stixObject.type of type stix2.STIXType`,
					`in:5: indicator--6b1c0b36-9d4b-4a4c-8d3e-0b8f3a6f8a02: unsupported pattern: pattern_type "yara"`,
					`in:7: indicator--6b1c0b36-9d4b-4a4c-8d3e-0b8f3a6f8a04: bad value: ipv4-addr:value "2001:db8::1" is not of that address family`,
					`in:8: indicator--6b1c0b36-9d4b-4a4c-8d3e-0b8f3a6f8a05: unsupported pattern: unsupported WITHIN in pattern`,
				},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inds, st, err := Load("in", []byte(tc.data))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Load error = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, summarize(inds, st)); diff != "" {
				t.Errorf("Load mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadKeepsFirstProblems(t *testing.T) {
	var b strings.Builder
	for range MaxProblems + 5 {
		b.WriteString("bad entry\n")
	}
	b.WriteString("evil-c2.test\n")
	_, st, err := Load("in", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	got := []int{st.Loaded, st.Skipped, st.Faulty, len(st.Problems)}
	if diff := cmp.Diff([]int{1, MaxProblems + 5, MaxProblems + 5, MaxProblems}, got); diff != "" {
		t.Errorf("loaded, skipped, faulty, problems (-want +got):\n%s", diff)
	}
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "other.json")
	if err := os.WriteFile(unknown, []byte(`{"hello": "world"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		wantErr string
	}{
		{name: "missing file", path: filepath.Join(dir, "missing.txt"), wantErr: "open intel file"},
		{name: "json of another shape", path: unknown, wantErr: "other.json: unknown intel format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := LoadFile(tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("LoadFile(%s) error = %v, want it to contain %q", tc.path, err, tc.wantErr)
			}
		})
	}
}
