package rdap

import "time"

// bucket is a token bucket refilled from the times it is given, so it follows whatever clock
// the Client was built with. Capacity equals the per-minute rate.
type bucket struct {
	tokens   float64
	capacity float64
	perNanos float64 // tokens added per nanosecond
	last     time.Time
}

func newBucket(perMinute int, now time.Time) bucket {
	return bucket{
		tokens:   float64(perMinute),
		capacity: float64(perMinute),
		perNanos: float64(perMinute) / float64(time.Minute),
		last:     now,
	}
}

// take refills for the time since the last call (a clock that steps back refills nothing) and
// spends one token if there is one.
func (b *bucket) take(now time.Time) bool {
	if now.After(b.last) {
		b.tokens += float64(now.Sub(b.last)) * b.perNanos
		if b.tokens > b.capacity {
			b.tokens = b.capacity
		}
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
