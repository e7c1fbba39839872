package rdap

import "strings"

const maxNameLen = 253

// normalize lowercases domain, drops one trailing dot and checks that it is an LDH name of at
// least two labels: letters, digits and hyphens, labels of 1 to 63 octets not starting or
// ending with a hyphen. Internationalized names must be in A-label (xn--) form. The result is
// safe as a URL path segment and as a file name.
func normalize(domain string) (string, error) {
	name := strings.ToLower(strings.TrimSuffix(domain, "."))
	if name == "" || len(name) > maxNameLen {
		return "", ErrInvalidDomain
	}
	labels := 0
	for label := range strings.SplitSeq(name, ".") {
		if !validLabel(label) {
			return "", ErrInvalidDomain
		}
		labels++
	}
	if labels < 2 {
		return "", ErrInvalidDomain
	}
	return name, nil
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		b := l[i]
		if (b < 'a' || b > 'z') && (b < '0' || b > '9') && b != '-' {
			return false
		}
	}
	return true
}
