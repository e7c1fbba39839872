package table

import (
	"fmt"
	"net/netip"
	"reflect"
	"strconv"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
)

// appendValue appends the text of one evidence value: strings escaped for the
// terminal, times in RFC 3339 UTC, durations as Go writes them, slices joined
// with ", ".
func appendValue(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, '-')
	case string:
		return escape.AppendTerminal(dst, x)
	case []string:
		for i, s := range x {
			dst = appendSep(dst, i)
			dst = escape.AppendTerminal(dst, s)
		}
		return dst
	case alert.Names:
		for i, s := range x {
			dst = appendSep(dst, i)
			dst = escape.AppendName(dst, s)
		}
		return dst
	case []byte:
		return escape.AppendTerminal(dst, string(x))
	case time.Time:
		return append(dst, formatTime(x)...)
	case time.Duration:
		return append(dst, x.String()...)
	case bool:
		return strconv.AppendBool(dst, x)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case int32:
		return strconv.AppendInt(dst, int64(x), 10)
	case uint64:
		return strconv.AppendUint(dst, x, 10)
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10)
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10)
	case float64:
		return strconv.AppendFloat(dst, x, 'g', -1, 64)
	case float32:
		return strconv.AppendFloat(dst, float64(x), 'g', -1, 32)
	case netip.Addr:
		return x.AppendTo(dst)
	case netip.AddrPort:
		return x.AppendTo(dst)
	case netip.Prefix:
		return x.AppendTo(dst)
	case error:
		return escape.AppendTerminal(dst, x.Error())
	case fmt.Stringer:
		return escape.AppendTerminal(dst, x.String())
	}
	rv := reflect.ValueOf(v)
	if k := rv.Kind(); k == reflect.Slice || k == reflect.Array {
		for i := range rv.Len() {
			dst = appendSep(dst, i)
			dst = appendValue(dst, rv.Index(i).Interface())
		}
		return dst
	}
	return escape.AppendTerminal(dst, fmt.Sprint(v))
}

func appendSep(dst []byte, i int) []byte {
	if i > 0 {
		return append(dst, ", "...)
	}
	return dst
}
