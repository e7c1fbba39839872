package defender

import "time"

// parseTime reads the two timestamp forms Advanced Hunting exports carry:
//
//   - ISO 8601 as the API and JSON exports write it,
//     "2024-05-01T10:00:00.1234567Z" (fraction of up to 9 digits, "T" or a
//     space, "Z", a ±hh:mm offset, or no zone meaning UTC);
//   - the portal's US form "5/1/2024 10:00:00.123 AM", with an optional
//     comma after the date ("5/1/2024, 10:00:00.123 AM") and an optional
//     AM/PM (without it the hour is 0–23). It has no zone and is read as
//     UTC, the time zone of the portal's export.
//
// It does not allocate.
func parseTime(s string) (time.Time, bool) {
	if len(s) >= 10 && s[4] == '-' {
		return parseISO(s)
	}
	return parseUS(s)
}

// tscan reads digits and separators from a timestamp.
type tscan struct {
	s  string
	i  int
	ok bool
}

// num reads between min and max digits.
func (t *tscan) num(min, max int) int {
	n, start := 0, t.i
	for t.i < len(t.s) && t.i-start < max && t.s[t.i] >= '0' && t.s[t.i] <= '9' {
		n = n*10 + int(t.s[t.i]-'0')
		t.i++
	}
	if t.i-start < min {
		t.ok = false
	}
	return n
}

// lit consumes c.
func (t *tscan) lit(c byte) {
	if t.i < len(t.s) && t.s[t.i] == c {
		t.i++
		return
	}
	t.ok = false
}

// opt consumes c when it is next and reports whether it did.
func (t *tscan) opt(c byte) bool {
	if t.i < len(t.s) && t.s[t.i] == c {
		t.i++
		return true
	}
	return false
}

// frac reads an optional fraction of a second as nanoseconds; digits past
// the ninth are ignored.
func (t *tscan) frac() int {
	if !t.opt('.') {
		return 0
	}
	ns, digits := 0, 0
	for t.i < len(t.s) && t.s[t.i] >= '0' && t.s[t.i] <= '9' {
		if digits < 9 {
			ns = ns*10 + int(t.s[t.i]-'0')
			digits++
		}
		t.i++
	}
	if digits == 0 {
		t.ok = false
	}
	for ; digits < 9; digits++ {
		ns *= 10
	}
	return ns
}

func parseISO(s string) (time.Time, bool) {
	t := tscan{s: s, ok: true}
	y := t.num(4, 4)
	t.lit('-')
	mo := t.num(2, 2)
	t.lit('-')
	d := t.num(2, 2)
	if !t.opt('T') && !t.opt(' ') {
		return time.Time{}, false
	}
	h := t.num(2, 2)
	t.lit(':')
	mi := t.num(2, 2)
	t.lit(':')
	sec := t.num(2, 2)
	ns := t.frac()
	var off int
	switch {
	case t.i == len(s), t.opt('Z'):
	case t.i < len(s) && (s[t.i] == '+' || s[t.i] == '-'):
		sign := 1
		if s[t.i] == '-' {
			sign = -1
		}
		t.i++
		oh := t.num(2, 2)
		t.lit(':')
		om := t.num(2, 2)
		if oh > 23 || om > 59 {
			return time.Time{}, false
		}
		off = sign * (oh*3600 + om*60)
	default:
		return time.Time{}, false
	}
	if !t.ok || t.i != len(s) {
		return time.Time{}, false
	}
	return build(y, mo, d, h, mi, sec, ns, off)
}

func parseUS(s string) (time.Time, bool) {
	t := tscan{s: s, ok: true}
	mo := t.num(1, 2)
	t.lit('/')
	d := t.num(1, 2)
	t.lit('/')
	y := t.num(4, 4)
	t.opt(',')
	t.lit(' ')
	h := t.num(1, 2)
	t.lit(':')
	mi := t.num(2, 2)
	t.lit(':')
	sec := t.num(2, 2)
	ns := t.frac()
	if t.opt(' ') {
		if h < 1 || h > 12 {
			return time.Time{}, false
		}
		switch s[t.i:] {
		case "AM", "am":
			if h == 12 {
				h = 0
			}
		case "PM", "pm":
			if h != 12 {
				h += 12
			}
		default:
			return time.Time{}, false
		}
		t.i = len(s)
	}
	if !t.ok || t.i != len(s) {
		return time.Time{}, false
	}
	return build(y, mo, d, h, mi, sec, ns, 0)
}

// build checks the ranges (no day 31 in April, no 25th hour) and returns
// the instant in UTC.
func build(y, mo, d, h, mi, sec, ns, off int) (time.Time, bool) {
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	tm := time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)
	if tm.Day() != d {
		return time.Time{}, false
	}
	return tm.Add(-time.Duration(off) * time.Second), true
}
