package rdap

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/openrdap/rdap"
)

// maxEntityDepth bounds the walk through nested entities when looking for the registrar.
const maxEntityDepth = 4

// errWrongDomain means the server answered about a different domain than the one asked.
var errWrongDomain = errors.New("response is for another domain")

// parseDomain decodes an RDAP domain response (RFC 9083 section 5.3) for name.
func parseDomain(body []byte, name string) (Info, error) {
	obj, err := rdap.NewDecoder(body).Decode()
	if err != nil {
		return Info{}, fmt.Errorf("decode response: %w", err)
	}
	switch v := obj.(type) {
	case *rdap.Domain:
		got := strings.ToLower(strings.TrimSuffix(v.LDHName, "."))
		if got != "" && got != name {
			return Info{}, fmt.Errorf("%w: %q", errWrongDomain, got)
		}
		return infoFrom(v, name), nil
	case *rdap.Error:
		code := 0
		if v.ErrorCode != nil {
			code = int(*v.ErrorCode)
		}
		return Info{}, fmt.Errorf("server error %d: %q", code, v.Title)
	default:
		return Info{}, fmt.Errorf("response is not a domain object (%T)", obj)
	}
}

func infoFrom(d *rdap.Domain, name string) Info {
	info := Info{Domain: name, Registrar: registrar(d.Entities, 0)}
	for _, e := range d.Events {
		var dst *time.Time
		switch strings.ToLower(e.Action) {
		case "registration":
			dst = &info.Registered
		case "last changed":
			dst = &info.LastChanged
		case "expiration":
			dst = &info.Expires
		default:
			continue
		}
		if t, ok := parseDate(e.Date); ok && dst.IsZero() {
			*dst = t
		}
	}
	for _, s := range d.Status {
		if s = strings.TrimSpace(s); s != "" {
			info.Status = append(info.Status, s)
		}
	}
	for _, ns := range d.Nameservers {
		host := ns.LDHName
		if host == "" {
			host = ns.UnicodeName
		}
		if host = strings.ToLower(strings.TrimSuffix(host, ".")); host != "" {
			info.NameServers = append(info.NameServers, host)
		}
	}
	return info
}

// registrar returns the name of the first entity with the role "registrar": its vCard full
// name, else its organization, else its handle.
func registrar(entities []rdap.Entity, depth int) string {
	if depth >= maxEntityDepth {
		return ""
	}
	for i := range entities {
		e := &entities[i]
		if !hasRole(e.Roles, "registrar") {
			continue
		}
		if e.VCard != nil {
			if n := strings.TrimSpace(e.VCard.Name()); n != "" {
				return n
			}
			if n := strings.TrimSpace(e.VCard.Org()); n != "" {
				return n
			}
		}
		if e.Handle != "" {
			return e.Handle
		}
	}
	for i := range entities {
		if n := registrar(entities[i].Entities, depth+1); n != "" {
			return n
		}
	}
	return ""
}

func hasRole(roles []string, want string) bool {
	for _, r := range roles {
		if strings.EqualFold(strings.TrimSpace(r), want) {
			return true
		}
	}
	return false
}

// parseDate reads an eventDate: RFC 3339 as the RFC requires, or the zone-less forms some
// registries send (read as UTC).
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
