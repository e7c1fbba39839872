package zeek

import (
	"bytes"
	"math"
	"net/netip"
	"strconv"
	"time"
	"unsafe"
)

// unsafeString views b as a string without copying. The result aliases b: it
// must only be passed to functions that do not keep it (strconv, netip,
// time.Parse) and must not be used after b is overwritten.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// parseAddr parses an IPv4 or IPv6 address. netip.ParseAddr reads the string
// only during the call; a zone (fe80::1%eth0) is interned by the unique
// package, which copies it. So the unsafe view over the line buffer does not
// escape and the parse does not allocate.
func parseAddr(b []byte) (netip.Addr, bool) {
	a, err := netip.ParseAddr(unsafeString(b))
	return a, err == nil
}

// addrCache remembers the last address text parsed for one column and its
// result. Logs repeat the same resolver or client on line after line, and
// comparing a few bytes is cheaper than parsing them again.
type addrCache struct {
	n    int
	text [46]byte // long enough for any IPv6 text without a zone
	addr netip.Addr
}

// parse returns the address in b, from the cache when b is the text parsed
// last time.
func (c *addrCache) parse(b []byte) (netip.Addr, bool) {
	if len(b) == c.n && c.n > 0 && string(b) == string(c.text[:c.n]) {
		return c.addr, true
	}
	a, ok := parseAddr(b)
	if ok && len(b) <= len(c.text) {
		c.n = copy(c.text[:], b)
		c.addr = a
	}
	return a, ok
}

// parseUint parses a non-negative decimal integer no larger than max
// (max must not exceed math.MaxInt64, so 19 digits never overflow).
func parseUint(b []byte, max uint64) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		c -= '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + uint64(c)
	}
	return n, n <= max
}

// maxSeconds bounds the integer part of a parsed time or interval so that
// nanoseconds fit in an int64 duration (about 292 years).
const maxSeconds = math.MaxInt64/int64(time.Second) - 1

// parseDecimalSeconds parses "[-]digits[.digits]" as seconds and returns whole
// seconds and nanoseconds (the sign applies to both), rounded to the
// microsecond. Exponent forms are rejected here; callers fall back to strconv
// for them.
func parseDecimalSeconds(b []byte) (sec, nsec int64, ok bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	i := 0
	for ; i < len(b); i++ {
		c := b[i] - '0'
		if c > 9 {
			break
		}
		sec = sec*10 + int64(c)
		if sec > maxSeconds {
			return 0, 0, false
		}
	}
	if i == 0 {
		return 0, 0, false
	}
	var us int64
	if i < len(b) {
		if b[i] != '.' || i+1 == len(b) {
			return 0, 0, false
		}
		// Microseconds from the first six decimals (Zeek writes exactly
		// six), rounded by the seventh; any further digits are only checked.
		frac := b[i+1:]
		for k, c := range frac {
			c -= '0'
			if c > 9 {
				return 0, 0, false
			}
			switch {
			case k < 6:
				us = us*10 + int64(c)
			case k == 6 && c >= 5:
				us++
			}
		}
		for k := len(frac); k < 6; k++ {
			us *= 10
		}
		if us >= 1e6 {
			sec, us = sec+1, us-1e6
		}
	}
	nsec = us * 1e3
	if neg {
		sec, nsec = -sec, -nsec
	}
	return sec, nsec, true
}

// parseFloatSeconds handles the forms parseDecimalSeconds rejects (an
// exponent, as some JSON writers emit) through strconv, rounded to the
// microsecond.
func parseFloatSeconds(b []byte) (sec, nsec int64, ok bool) {
	f, err := strconv.ParseFloat(unsafeString(b), 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) >= float64(maxSeconds) {
		return 0, 0, false
	}
	us := int64(math.Round(f * 1e6))
	return us / 1e6, us % 1e6 * 1e3, true
}

// parseEpoch parses a Zeek time written as epoch seconds with a fraction
// ("1521911720.865716").
func parseEpoch(b []byte) (time.Time, bool) {
	sec, nsec, ok := parseDecimalSeconds(b)
	if !ok && bytes.ContainsAny(b, "eE") {
		sec, nsec, ok = parseFloatSeconds(b)
	}
	if !ok || sec < 0 || nsec < 0 {
		return time.Time{}, false
	}
	return time.Unix(sec, nsec).UTC(), true
}

// parseTime accepts the forms Zeek writes: epoch seconds, an ISO-8601 /
// RFC 3339 string ("2018-03-24T17:15:20.865716Z"), or whole epoch
// milliseconds (JSON with LogAscii::json_timestamps = JSON::TS_MILLIS),
// told apart from seconds by having twelve digits or more. Times before
// 1970 or past the int64 nanosecond range (year 2262) are rejected.
func parseTime(b []byte) (time.Time, bool) {
	if len(b) > 10 && b[4] == '-' {
		t, err := time.Parse(time.RFC3339Nano, unsafeString(b))
		if err != nil || t.Unix() < 0 || t.Unix() > maxSeconds {
			return time.Time{}, false
		}
		return t.Round(time.Microsecond).UTC(), true
	}
	if t, ok := parseEpoch(b); ok {
		return t, true
	}
	if len(b) >= 12 {
		if ms, ok := parseUint(b, uint64(maxSeconds)*1000); ok {
			return time.UnixMilli(int64(ms)).UTC(), true
		}
	}
	return time.Time{}, false
}

// parseInterval parses a Zeek interval (seconds with a fraction) as a
// duration.
func parseInterval(b []byte) (time.Duration, bool) {
	sec, nsec, ok := parseDecimalSeconds(b)
	if !ok && bytes.ContainsAny(b, "eE") {
		sec, nsec, ok = parseFloatSeconds(b)
	}
	if !ok {
		return 0, false
	}
	return time.Duration(sec)*time.Second + time.Duration(nsec), true
}

// parseTTL parses a TTL logged as an interval ("300.000000") into whole
// seconds, clamped to the uint32 range. The common form needs no more than
// its integer digits; other forms go through parseInterval.
func parseTTL(b []byte) (uint32, bool) {
	i := 0
	var n uint64
	for ; i < len(b) && i < 10; i++ {
		c := b[i] - '0'
		if c > 9 {
			break
		}
		n = n*10 + uint64(c)
	}
	if i > 0 && i < 10 && i < len(b) && b[i] == '.' && i+1 < len(b) {
		frac := b[i+1:]
		for _, c := range frac {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
		return uint32(min(n, math.MaxUint32)), true
	}
	d, ok := parseInterval(b)
	return ttlSeconds(d), ok
}

// ttlSeconds converts an interval to a TTL in whole seconds, clamped to the
// uint32 range.
func ttlSeconds(d time.Duration) uint32 {
	s := int64(d / time.Second)
	switch {
	case s < 0:
		return 0
	case s > math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(s)
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendUnescaped appends src to dst with Zeek's `\xNN` escapes decoded.
// Zeek escapes every non-printable byte, the backslash itself and the
// separators that way, so the decoding is unambiguous; a backslash not
// followed by x and two hex digits is kept as written.
func appendUnescaped(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\\' && i+3 < len(src) && src[i+1] == 'x' {
			hi, ok1 := unhex(src[i+2])
			lo, ok2 := unhex(src[i+3])
			if ok1 && ok2 {
				dst = append(dst, hi<<4|lo)
				i += 3
				continue
			}
		}
		dst = append(dst, c)
	}
	return dst
}

// hasBackslash reports whether b contains a backslash (and so may carry
// escapes).
func hasBackslash(b []byte) bool {
	return bytes.IndexByte(b, '\\') >= 0
}
