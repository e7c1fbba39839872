package tunnel

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
)

// BenignList is the built-in list of domains whose subdomains are hashed,
// encoded or reversed by design (benign.tsv: domain, tab, reason).
//
//go:embed benign.tsv
var BenignList string

// ParseBenign reads a list in benign.tsv's format. Errors name the line.
func ParseBenign(src string) ([]Allow, error) {
	var out []Allow
	for i, line := range strings.Split(src, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		dom, reason, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("benign list line %d: want domain, a tab and a reason", i+1)
		}
		if msg := checkDomain(dom); msg != "" {
			return nil, fmt.Errorf("benign list line %d: domain %q %s", i+1, dom, msg)
		}
		out = append(out, Allow{Domain: dom, Reason: reason})
	}
	return out, nil
}

// allowSet matches a name against allowed domains with one map lookup: the
// entries are filed under their last two labels, and a name's last two
// labels pick the few entries to compare by suffix. It is built once and
// only read afterwards.
type allowSet struct {
	byTail map[string][]Allow
}

func newAllowSet(lists ...[]Allow) allowSet {
	s := allowSet{byTail: map[string][]Allow{}}
	for _, l := range lists {
		for _, a := range l {
			tail := dnsname.LastLabels(a.Domain, 2)
			s.byTail[tail] = append(s.byTail[tail], a)
		}
	}
	return s
}

// match returns the entry covering name, if any. It does not allocate.
func (s allowSet) match(name string) (Allow, bool) {
	if len(s.byTail) == 0 {
		return Allow{}, false
	}
	for _, a := range s.byTail[dnsname.LastLabels(name, 2)] {
		if under(name, a.Domain) {
			return a, true
		}
	}
	return Allow{}, false
}

// mayCover reports whether an entry may cover some name under the
// registrable domain dom: an entry at or below dom, or dom below an entry.
// A key whose domain no entry covers skips match for all its names.
func (s allowSet) mayCover(dom string) bool {
	// An entry at or below dom, and an entry dom is below, share dom's
	// last two labels, so one bucket holds every candidate.
	for _, a := range s.byTail[dnsname.LastLabels(dom, 2)] {
		if under(a.Domain, dom) || under(dom, a.Domain) {
			return true
		}
	}
	return false
}

// under reports whether name is dom or a name below it.
func under(name, dom string) bool {
	if len(name) == len(dom) {
		return name == dom
	}
	n := len(name) - len(dom)
	return n > 1 && name[n-1] == '.' && name[n:] == dom && !escapedDot(name, n-1)
}

// escapedDot reports whether the dot at i is escaped (an odd run of
// backslashes before it), so a label containing "\." does not split.
func escapedDot(name string, i int) bool {
	k := 0
	for j := i - 1; j >= 0 && name[j] == '\\'; j-- {
		k++
	}
	return k%2 == 1
}

// skipByShape reports subdomains (or names) that are structured by protocol
// rather than by data: service labels (_ldap._tcp, _msdcs, _domainkey,
// _acme-challenge) and the proxy and tunnel autodiscovery names wpad and
// isatap. A service label is an underscore and at most maxServiceLabel
// letters, digits and hyphens; a long label that merely starts with an
// underscore is data (base64url starts one label in 64 that way).
func skipByShape(name string) bool {
	first, rest, _ := strings.Cut(name, ".")
	if first == "wpad" || first == "isatap" {
		return true
	}
	if strings.IndexByte(name, '_') < 0 {
		return false
	}
	for label := first; ; {
		if isServiceLabel(label) {
			return true
		}
		if rest == "" {
			return false
		}
		label, rest, _ = strings.Cut(rest, ".")
	}
}

// maxServiceLabel bounds the length of a service label after its
// underscore (_github-challenge-org is 20).
const maxServiceLabel = 24

func isServiceLabel(l string) bool {
	if len(l) < 2 || l[0] != '_' || len(l) > maxServiceLabel+1 {
		return false
	}
	for i := 1; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
