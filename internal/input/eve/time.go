package eve

import "time"

// parseTime reads Suricata's timestamp, "2014-06-21T12:34:56.123456+0000",
// and RFC 3339 forms ("...Z", "...+00:00", any number of fraction digits).
// The result is in UTC. It never allocates.
func parseTime(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	var f [6]int
	for i, at := range [...]int{0, 5, 8, 11, 14, 17} {
		n := 2
		if i == 0 {
			n = 4
		}
		v, ok := digits(b[at : at+n])
		if !ok {
			return time.Time{}, false
		}
		f[i] = v
	}
	if f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60 {
		return time.Time{}, false
	}
	i, nsec := 19, 0
	if b[i] == '.' {
		i++
		scale := 100_000_000
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			nsec += int(b[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == start {
			return time.Time{}, false
		}
	}
	off, ok := zoneOffset(b[i:])
	if !ok {
		return time.Time{}, false
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], nsec, time.UTC)
	return t.Add(-time.Duration(off) * time.Second), true
}

// zoneOffset reads "Z", "+hhmm" or "+hh:mm" and returns seconds east of UTC.
func zoneOffset(z []byte) (int, bool) {
	if len(z) == 1 && (z[0] == 'Z' || z[0] == 'z') {
		return 0, true
	}
	if len(z) != 5 && len(z) != 6 || (z[0] != '+' && z[0] != '-') {
		return 0, false
	}
	m := z[3:]
	if len(z) == 6 {
		if z[3] != ':' {
			return 0, false
		}
		m = z[4:]
	}
	hh, ok1 := digits(z[1:3])
	mm, ok2 := digits(m)
	if !ok1 || !ok2 || hh > 23 || mm > 59 {
		return 0, false
	}
	off := hh*3600 + mm*60
	if z[0] == '-' {
		off = -off
	}
	return off, true
}

func digits(b []byte) (int, bool) {
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}
