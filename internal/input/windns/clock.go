package windns

import (
	"errors"
	"fmt"
	"time"
)

// DateOrder says how the debug log's numeric dates are read. The DNS server
// writes dates in the short date format of its locale: month first in the
// United States (11/28/2026), day first in most of Europe (28/11/2026 or
// 28.11.2026), year first in East Asia (2026/11/28).
type DateOrder uint8

// Date orders. A date whose first number has four digits is always read
// year first, and a date written with dots (28.11.2026) day first, whatever
// the order says: no locale writes those the other way.
const (
	DateMDY DateOrder = iota // month/day/year, the default (en-US)
	DateDMY                  // day/month/year (en-GB, de-DE, fr-FR, ...)
	DateYMD                  // year/month/day (zh-CN, ja-JP, sv-SE, ...)
)

var dateOrderNames = [...]string{"mdy", "dmy", "ymd"}

// String returns the lowercase name of o ("mdy", "dmy", "ymd").
func (o DateOrder) String() string {
	if int(o) < len(dateOrderNames) {
		return dateOrderNames[o]
	}
	return fmt.Sprintf("DateOrder(%d)", o)
}

// ParseDateOrder maps "mdy", "dmy" or "ymd" to a DateOrder.
func ParseDateOrder(s string) (DateOrder, error) {
	for i, n := range dateOrderNames {
		if n == s {
			return DateOrder(i), nil
		}
	}
	return 0, fmt.Errorf("date order %q: want mdy, dmy or ymd", s)
}

var (
	errBadDate = errors.New("not a date")
	errBadTime = errors.New("not a time of day")
)

// ImpossibleDateError reports a date that does not exist in the configured
// order (month 13, 31 April). Swapped says the date would be valid with day
// and month swapped: the log was most likely written on a server whose
// locale puts the other one first.
type ImpossibleDateError struct {
	Date    string
	Order   DateOrder
	Swapped bool
}

// Error says which date and order, and which order would fit.
func (e *ImpossibleDateError) Error() string {
	if e.Swapped {
		other := DateDMY
		if e.Order == DateDMY {
			other = DateMDY
		}
		return fmt.Sprintf("impossible date %q as %s (the log looks %s: set the date order)", e.Date, e.Order, other)
	}
	return fmt.Sprintf("impossible date %q as %s", e.Date, e.Order)
}

// clock reads the timestamps of debug log lines.
type clock struct {
	order DateOrder
	loc   *time.Location
}

// parse reads `DATE TIME [AM|PM] ` at the start of line and returns the time
// and the rest of the line.
func (c *clock) parse(line []byte) (time.Time, []byte, error) {
	cur := cursor{b: line}
	date := cur.next()
	y, mo, d, err := c.date(date)
	if err != nil {
		return time.Time{}, nil, err
	}
	h, mi, s, ok := clockTime(cur.next())
	if !ok {
		return time.Time{}, nil, errBadTime
	}
	save := cur
	switch tok := cur.next(); {
	case len(tok) == 2 && (tok[1] == 'M' || tok[1] == 'm') && (tok[0]|0x20 == 'a' || tok[0]|0x20 == 'p'):
		if h < 1 || h > 12 {
			return time.Time{}, nil, errBadTime
		}
		h %= 12
		if tok[0]|0x20 == 'p' {
			h += 12
		}
	default:
		cur = save
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, 0, c.loc), cur.b, nil
}

// date reads a numeric date in the configured order.
func (c *clock) date(b []byte) (y, m, d int, err error) {
	var n [3]int
	var w [3]int
	var sep byte
	if len(b) == 8 && allDigits(b) {
		// yyyyMMdd, written by some locales and older servers.
		n = [3]int{num(b[:4]), num(b[4:6]), num(b[6:])}
		w = [3]int{4, 2, 2}
	} else if !splitDate(b, &n, &w, &sep) {
		return 0, 0, 0, errBadDate
	}
	order := c.order
	switch {
	case w[0] == 4:
		order = DateYMD
	case sep == '.':
		order = DateDMY
	case order == DateYMD:
		order = DateMDY
	}
	switch order {
	case DateMDY:
		m, d, y = n[0], n[1], n[2]
	case DateDMY:
		d, m, y = n[0], n[1], n[2]
	default:
		y, m, d = n[0], n[1], n[2]
	}
	if y < 100 {
		y += 2000
	}
	if validDate(y, m, d) {
		return y, m, d, nil
	}
	swapped := order != DateYMD && validDate(y, d, m)
	return 0, 0, 0, &ImpossibleDateError{Date: string(b), Order: order, Swapped: swapped}
}

// splitDate splits `a/b/c` (or with '.' or '-') into numbers and their
// widths.
func splitDate(b []byte, n, w *[3]int, sep *byte) bool {
	k := 0
	for i := 0; i <= len(b); i++ {
		if i < len(b) && isDigit(b[i]) {
			if w[k] == 4 {
				return false
			}
			n[k] = n[k]*10 + int(b[i]-'0')
			w[k]++
			continue
		}
		if w[k] == 0 {
			return false
		}
		if i == len(b) {
			return k == 2
		}
		c := b[i]
		if c != '/' && c != '.' && c != '-' || (*sep != 0 && c != *sep) || k == 2 {
			return false
		}
		*sep = c
		k++
	}
	return false
}

// clockTime reads `h:mm:ss` (or with dots, as some locales write it).
func clockTime(b []byte) (h, m, s int, ok bool) {
	var n [3]int
	k, width := 0, 0
	for i := 0; i <= len(b); i++ {
		if i < len(b) && isDigit(b[i]) {
			if width == 2 {
				return 0, 0, 0, false
			}
			n[k] = n[k]*10 + int(b[i]-'0')
			width++
			continue
		}
		if width == 0 || (k > 0 && width != 2) {
			return 0, 0, 0, false
		}
		if i == len(b) {
			break
		}
		if (b[i] != ':' && b[i] != '.') || k == 2 {
			return 0, 0, 0, false
		}
		k, width = k+1, 0
	}
	if k != 2 || n[0] > 23 || n[1] > 59 || n[2] > 60 {
		return 0, 0, 0, false
	}
	return n[0], n[1], n[2], true
}

func validDate(y, m, d int) bool {
	if y < 1980 || y > 2200 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= daysIn(m, y)
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return len(b) > 0
}

// num parses a short run of digits the caller has checked.
func num(b []byte) int {
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n
}

// cursor walks the whitespace-separated tokens of a line.
type cursor struct{ b []byte }

// next returns the next token, or nil at the end.
func (c *cursor) next() []byte {
	c.skip()
	i := 0
	for i < len(c.b) && c.b[i] != ' ' && c.b[i] != '\t' {
		i++
	}
	tok := c.b[:i]
	c.b = c.b[i:]
	if len(tok) == 0 {
		return nil
	}
	return tok
}

// skip drops leading spaces and tabs.
func (c *cursor) skip() {
	for len(c.b) > 0 && (c.b[0] == ' ' || c.b[0] == '\t') {
		c.b = c.b[1:]
	}
}
