package intel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

type mispEvent struct {
	UUID      string            `json:"uuid"`
	Info      string            `json:"info"`
	Attribute []json.RawMessage `json:"Attribute"`
	Object    []json.RawMessage `json:"Object"`
}

type mispObject struct {
	Attribute []json.RawMessage `json:"Attribute"`
}

type mispAttribute struct {
	UUID     string   `json:"uuid"`
	ID       flexID   `json:"id"`
	Type     string   `json:"type"`
	Category string   `json:"category"`
	Value    string   `json:"value"`
	Comment  string   `json:"comment"`
	ToIDs    flexBool `json:"to_ids"`
	Deleted  flexBool `json:"deleted"`
}

// flexBool reads the booleans MISP writes as true/false, "1"/"0" or 1/0.
type flexBool struct{ set, v bool }

func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch strings.Trim(string(data), `"`) {
	case "true", "1":
		*b = flexBool{set: true, v: true}
	case "false", "0", "", "null":
		*b = flexBool{set: true}
	default:
		return fmt.Errorf("invalid boolean %s", data)
	}
	return nil
}

// flexID reads an id written as a string or a number.
type flexID string

func (f *flexID) UnmarshalJSON(data []byte) error {
	*f = flexID(strings.Trim(string(data), `"`))
	return nil
}

// misp loads a MISP event export, a list of them, or a REST API response.
func (c *collector) misp(data []byte) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var events []json.RawMessage
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &events); err != nil {
			return fmt.Errorf("misp export: %w", err)
		}
	} else {
		var top struct {
			Event    json.RawMessage `json:"Event"`
			Response json.RawMessage `json:"response"`
		}
		if err := json.Unmarshal(data, &top); err != nil {
			return fmt.Errorf("misp export: %w", err)
		}
		switch {
		case top.Event != nil:
			events = []json.RawMessage{data}
		case bytes.HasPrefix(bytes.TrimLeft(top.Response, " \t\r\n"), []byte("[")):
			if err := json.Unmarshal(top.Response, &events); err != nil {
				return fmt.Errorf("misp response: %w", err)
			}
		default:
			var attrs struct {
				Attribute []json.RawMessage `json:"Attribute"`
			}
			if err := json.Unmarshal(top.Response, &attrs); err != nil {
				return fmt.Errorf("misp response: %w", err)
			}
			for _, a := range attrs.Attribute {
				c.mispAttribute(&mispEvent{}, a)
			}
			return nil
		}
	}
	for i, raw := range events {
		c.mispEvent(i, raw)
	}
	return nil
}

func (c *collector) mispEvent(i int, raw json.RawMessage) {
	var wrap struct {
		Event *mispEvent `json:"Event"`
	}
	if err := json.Unmarshal(raw, &wrap); err != nil || wrap.Event == nil {
		if err == nil {
			err = errors.New(`no "Event"`)
		}
		c.fault(0, fmt.Sprintf("event #%d", i+1), "malformed MISP event", err)
		return
	}
	ev := wrap.Event
	for _, a := range ev.Attribute {
		c.mispAttribute(ev, a)
	}
	for _, o := range ev.Object {
		var obj mispObject
		if err := json.Unmarshal(o, &obj); err != nil {
			c.fault(0, "event "+ev.UUID, "malformed MISP object", err)
			continue
		}
		for _, a := range obj.Attribute {
			c.mispAttribute(ev, a)
		}
	}
}

func (c *collector) mispAttribute(ev *mispEvent, raw json.RawMessage) {
	var a mispAttribute
	if err := json.Unmarshal(raw, &a); err != nil {
		c.fault(0, "event "+ev.UUID, "malformed MISP attribute", err)
		return
	}
	id := a.UUID
	if id == "" {
		id = string(a.ID)
	}
	object := "attribute " + id
	parts, ok := mispParts(a.Type, a.Value)
	if !ok || a.Deleted.v {
		c.skip()
		return
	}
	src := c.name + " (MISP "
	if ev.UUID != "" {
		src += "event " + ev.UUID + " "
	}
	src += "attribute " + id + ")"
	label := ev.Info
	if label == "" {
		label = a.Category
	}
	if a.Comment != "" {
		label = strings.TrimPrefix(label+": "+a.Comment, ": ")
	}
	toIDs := a.ToIDs.v || !a.ToIDs.set
	for _, p := range parts {
		var (
			kind Kind
			v    string
			err  error
		)
		if p.addr {
			var pre netip.Prefix
			pre, err = canonPrefix(p.text)
			kind, v = Addr, pre.String()
		} else {
			kind, v, err = hostIndicator(p.text)
		}
		if err != nil {
			c.fault(0, object, "bad value", fmt.Errorf("type %s: %w", a.Type, err))
			continue
		}
		c.add(Indicator{Kind: kind, Value: v, Source: src, Label: label, ToIDs: toIDs})
	}
}

// mispPart is one usable part of an attribute value.
type mispPart struct {
	text string
	addr bool // an address or CIDR; otherwise a host name
}

// mispParts splits a value by its MISP type; ok is false for types that
// carry no name or address taken here.
func mispParts(typ, value string) ([]mispPart, bool) {
	first, second, composite := strings.Cut(value, "|")
	switch typ {
	case "domain", "hostname":
		return []mispPart{{text: value}}, true
	case "ip-dst", "ip-src":
		return []mispPart{{text: value, addr: true}}, true
	case "domain|ip":
		if !composite {
			return []mispPart{{text: value}}, true
		}
		return []mispPart{{text: first}, {text: second, addr: true}}, true
	case "hostname|port":
		return []mispPart{{text: first}}, true
	case "ip-dst|port", "ip-src|port":
		return []mispPart{{text: first, addr: true}}, true
	}
	return nil, false
}
