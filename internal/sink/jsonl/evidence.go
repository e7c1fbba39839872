package jsonl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
)

// evidence writes alert evidence as one JSON object with the fields in the
// order the detector gave them. A name that repeats keeps its first value, so
// the object has no duplicate keys.
type evidence []alert.Field

// MarshalJSON implements json.Marshaler.
func (ev evidence) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range ev {
		if seen(ev[:i], f.Name) {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(escape.JSONString(f.Name))
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(jsonValue(f.Value))
		if err != nil {
			return nil, fmt.Errorf("evidence %s: %w", k, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func seen(fields []alert.Field, name string) bool {
	for _, f := range fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

// jsonValue returns v in a form encoding/json writes as intended: strings
// escaped, times in RFC 3339 with nanoseconds in UTC, durations as Go writes
// them ("5m0s"), addresses as text, NaN and infinities as strings, slices as
// arrays, and anything else as its fmt text.
func jsonValue(v any) any {
	switch x := v.(type) {
	case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return x
	case string:
		return escape.JSONString(x)
	case alert.Names:
		return jsonValue([]string(x))
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = escape.JSONString(s)
		}
		return out
	case []byte:
		return escape.JSONString(string(x))
	case float64:
		return jsonFloat(x)
	case float32:
		return jsonFloat(float64(x))
	case time.Time:
		if x.IsZero() {
			return nil
		}
		return x.UTC().Format(time.RFC3339Nano)
	case time.Duration:
		return x.String()
	case netip.Addr, netip.AddrPort, netip.Prefix:
		return fmt.Sprint(x)
	case error:
		return escape.JSONString(x.Error())
	case fmt.Stringer:
		return escape.JSONString(x.String())
	}
	rv := reflect.ValueOf(v)
	if k := rv.Kind(); k == reflect.Slice || k == reflect.Array {
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = jsonValue(rv.Index(i).Interface())
		}
		return out
	}
	return escape.JSONString(fmt.Sprint(v))
}

func jsonFloat(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Sprint(f)
	}
	return f
}
