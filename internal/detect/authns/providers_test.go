package authns

import (
	"encoding/csv"
	"os"
	"strings"
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/testutil"
)

func TestProviderList(t *testing.T) {
	ps, err := ParseProviders(ProviderList)
	if err != nil {
		t.Fatal(err)
	}
	p := newProviders(ps)
	for _, tc := range []struct {
		dom, want string
	}{
		{"awsdns-45.com", "Amazon Route 53"},
		{"awsdns-07.co.uk", "Amazon Route 53"},
		{"cloudflare.com", "Cloudflare"},
		{"domaincontrol.com", "GoDaddy"},
		{"evil-c2.test", ""},
		{"notcloudflare.com", ""},
	} {
		got := ""
		if e, ok := p.match(tc.dom); ok {
			got = e.Name
		}
		if got != tc.want {
			t.Errorf("match(%q) = %q, want %q", tc.dom, got, tc.want)
		}
	}
	for _, bad := range []string{"a\tb", "Upper.com\tX\thttps://x", "*.x.com\tX\thttps://x", "nodot\tX\thttps://x"} {
		if _, err := ParseProviders(bad); err == nil {
			t.Errorf("ParseProviders(%q) accepted", bad)
		}
	}
}

// TestProviderCoverage checks the catalogue against the public list of
// managed DNS providers' name-server fingerprints in ../shared/data (the
// list is not copied into the repository: its licence is not stated).
// Every provider fingerprint of the "DNS Providers" section, with its
// wildcards filled in, must be recognised.
func TestProviderCoverage(t *testing.T) {
	path := testutil.SharedData(t, "lists/can-i-take-over-dns/dns_provider_ns_fingerprints.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ParseProviders(ProviderList)
	if err != nil {
		t.Fatal(err)
	}
	p := newProviders(ps)
	psl := dnsname.NewPSL(dnsname.PSLOptions{})
	total, missed := 0, []string{}
	for _, r := range rows[1:] {
		if len(r) < 5 || r[0] != "DNS Providers" || !strings.Contains(r[4], ".") {
			continue // corporate name servers, and rows the transcription broke
		}
		host := strings.ReplaceAll(r[4], "*", "1")
		host = strings.TrimPrefix(host, "1.")
		total++
		if _, ok := p.match(psl.Domain(host)); !ok {
			missed = append(missed, r[1]+" "+r[4])
		}
	}
	t.Logf("%d of %d provider fingerprints recognised", total-len(missed), total)
	if len(missed) > 0 {
		t.Errorf("not recognised: %v", missed)
	}
}
