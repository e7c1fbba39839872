package intel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/TcM1911/stix2"
)

// stixObject holds the fields of a STIX object that intel reads. Fields of
// other objects are ignored, so an object of any type decodes.
type stixObject struct {
	Type        stix2.STIXType   `json:"type"`
	ID          stix2.Identifier `json:"id"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Types       []string         `json:"indicator_types"`
	Pattern     string           `json:"pattern"`
	PatternType string           `json:"pattern_type"`
	Value       string           `json:"value"`
	Revoked     bool             `json:"revoked"`
}

// stix loads a STIX 2.1 bundle, object by object, so that one malformed or
// unknown object does not stop the others.
func (c *collector) stix(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(dec, '{'); err != nil {
		return fmt.Errorf("stix bundle: %w", err)
	}
	lines := lineCounter{data: data}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("stix bundle: %w", err)
		}
		if key, _ := tok.(string); key != "objects" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fmt.Errorf("stix bundle: %w", err)
			}
			continue
		}
		if err := expectDelim(dec, '['); err != nil {
			return fmt.Errorf("stix bundle objects: %w", err)
		}
		for dec.More() {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fmt.Errorf("stix bundle objects: %w", err)
			}
			end := int(dec.InputOffset())
			start := end - len(raw)
			c.stixObject(lines.at(start), raw)
		}
		if err := expectDelim(dec, ']'); err != nil {
			return fmt.Errorf("stix bundle objects: %w", err)
		}
	}
	return nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, tok)
	}
	return nil
}

// lineCounter turns increasing byte offsets into 1-based line numbers.
type lineCounter struct {
	data []byte
	off  int
	line int
}

func (l *lineCounter) at(off int) int {
	off = max(0, min(off, len(l.data)))
	if off < l.off {
		l.off, l.line = 0, 0
	}
	l.line += bytes.Count(l.data[l.off:off], []byte{'\n'})
	l.off = off
	return l.line + 1
}

func (c *collector) stixObject(line int, raw json.RawMessage) {
	var o stixObject
	if err := json.Unmarshal(raw, &o); err != nil {
		c.fault(line, "", "malformed STIX object", err)
		return
	}
	id := string(o.ID)
	if !stix2.IsValidIdentifier(o.ID) || !o.ID.ForType(o.Type) {
		c.fault(line, id, "malformed STIX object", fmt.Errorf("invalid id %q for type %q", o.ID, o.Type))
		return
	}
	if o.Revoked {
		c.skip()
		return
	}
	src := c.name + " (STIX " + id
	switch o.Type {
	case stix2.TypeIndicator:
		if o.Name != "" {
			src += " '" + o.Name + "'"
		}
		c.stixIndicator(line, &o, src+")")
	case stix2.TypeDomainName, stix2.TypeIPv4Addr, stix2.TypeIPv6Addr:
		kind, v, err := stixValue(string(o.Type)+":value", o.Value)
		if err != nil {
			c.fault(line, id, "bad value", err)
			return
		}
		c.add(Indicator{Kind: kind, Value: v, Source: src + ")", ToIDs: true})
	default:
		c.skip()
	}
}

func (c *collector) stixIndicator(line int, o *stixObject, src string) {
	id := string(o.ID)
	if o.PatternType != "" && o.PatternType != "stix" {
		c.fault(line, id, "unsupported pattern", fmt.Errorf("pattern_type %q", o.PatternType))
		return
	}
	comps, err := parsePattern(o.Pattern)
	if err != nil {
		c.fault(line, id, "unsupported pattern", err)
		return
	}
	label := o.Name
	if label == "" {
		label = o.Description
	}
	if label == "" {
		label = strings.Join(o.Types, ", ")
	}
	for _, cmp := range comps {
		if cmp.op == "ISSUBSET" && cmp.path != "ipv4-addr:value" && cmp.path != "ipv6-addr:value" {
			c.fault(line, id, "unsupported pattern", fmt.Errorf("ISSUBSET on %s", cmp.path))
			continue
		}
		if !stixPaths[cmp.path] {
			c.skip()
			continue
		}
		if !cmp.quoted {
			c.fault(line, id, "bad value", fmt.Errorf("%s compared with %s, not a string", cmp.path, cmp.value))
			continue
		}
		kind, v, err := stixValue(cmp.path, cmp.value)
		if err != nil {
			c.fault(line, id, "bad value", err)
			continue
		}
		c.add(Indicator{Kind: kind, Value: v, Source: src, Label: label, ToIDs: true})
	}
}

// stixPaths are the object paths whose values are taken; comparisons on
// other paths (file hashes, email addresses) are skipped.
var stixPaths = map[string]bool{
	"domain-name:value": true,
	"ipv4-addr:value":   true,
	"ipv6-addr:value":   true,
	"url:value":         true,
}

// stixValue turns the value of an object path into an indicator value.
func stixValue(path, value string) (Kind, string, error) {
	switch path {
	case "domain-name:value":
		d, err := canonDomain(value)
		return Domain, d, err
	case "ipv4-addr:value", "ipv6-addr:value":
		p, err := canonPrefix(value)
		if err != nil {
			return 0, "", err
		}
		if want4 := path == "ipv4-addr:value"; p.Addr().Is4() != want4 {
			return 0, "", fmt.Errorf("%s %q is not of that address family", path, value)
		}
		return Addr, p.String(), nil
	case "url:value":
		h, err := urlHost(value)
		if err != nil {
			return 0, "", err
		}
		return hostIndicator(h)
	}
	return 0, "", fmt.Errorf("unsupported object path %s", path)
}
