package intel

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"golang.org/x/net/idna"

	"github.com/dnsvigil/dnsvigil/internal/netset"
)

// maxName is the longest canonical name taken, in presentation bytes.
const maxName = 253

// canonDomain returns the canonical form of a domain name from an intel
// source, or an error saying why it is not one.
func canonDomain(s string) (string, error) {
	d := strings.TrimSpace(s)
	d = strings.TrimPrefix(d, "*.")
	d = strings.TrimSuffix(d, ".")
	if d == "" {
		return "", errors.New("empty domain name")
	}
	for i := 0; i < len(d); i++ {
		if d[i] >= 0x80 {
			a, err := idna.Lookup.ToASCII(d)
			if err != nil {
				return "", fmt.Errorf("invalid internationalised domain name %q: %w", s, err)
			}
			d = a
			break
		}
	}
	d = strings.ToLower(d)
	if len(d) > maxName {
		return "", fmt.Errorf("domain name %.40q... is %d bytes, over %d", d, len(d), maxName)
	}
	labels := 0
	last := ""
	for label := range strings.SplitSeq(d, ".") {
		if err := checkLabel(label); err != nil {
			return "", fmt.Errorf("invalid domain name %q: %w", s, err)
		}
		labels++
		last = label
	}
	if labels < 2 {
		return "", fmt.Errorf("domain name %q has one label and would match a whole top-level domain", s)
	}
	if strings.Trim(last, "0123456789") == "" {
		return "", fmt.Errorf("domain name %q has a numeric top-level label (a mistyped address?)", s)
	}
	return d, nil
}

// checkLabel accepts the host-name characters and the underscore (used by
// service labels) in a label of 1 to 63 bytes.
func checkLabel(label string) error {
	if label == "" {
		return errors.New("empty label")
	}
	if len(label) > 63 {
		return fmt.Errorf("label of %d bytes, over 63", len(label))
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("character %q not allowed", c)
		}
	}
	return nil
}

// canonPrefix parses an address or CIDR into its canonical prefix.
func canonPrefix(s string) (netip.Prefix, error) {
	return netset.ParsePrefix(s)
}

// looksLikeAddr reports whether s is meant as an address or CIDR rather
// than a name: it holds a colon or a slash, or only digits and dots.
func looksLikeAddr(s string) bool {
	s = strings.TrimSpace(s)
	return strings.ContainsAny(s, ":/") || s != "" && strings.Trim(s, "0123456789.") == ""
}

// hostIndicator turns a host (a name or an address) into an indicator value.
func hostIndicator(host string) (Kind, string, error) {
	h := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(host), "["), "]")
	if a, err := netip.ParseAddr(h); err == nil {
		a = a.Unmap().WithZone("")
		return Addr, netip.PrefixFrom(a, a.BitLen()).String(), nil
	}
	if looksLikeAddr(h) && !strings.ContainsAny(h, ":/") {
		return 0, "", fmt.Errorf("invalid IP address %q", host)
	}
	d, err := canonDomain(h)
	if err != nil {
		return 0, "", err
	}
	return Domain, d, nil
}

// urlHost returns the host of a URL; a URL without a scheme is read as
// http.
func urlHost(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("invalid URL %q: %w", raw, err)
	}
	if u.Hostname() == "" {
		return "", fmt.Errorf("URL %q has no host", raw)
	}
	return u.Hostname(), nil
}

// valueOf turns a value of kind k into an indicator value, for an entry
// that may be either a name or a network (plain lists).
func valueOf(s string) (Kind, string, error) {
	if looksLikeAddr(s) {
		p, err := canonPrefix(s)
		if err != nil {
			return 0, "", err
		}
		return Addr, p.String(), nil
	}
	d, err := canonDomain(s)
	if err != nil {
		return 0, "", err
	}
	return Domain, d, nil
}
