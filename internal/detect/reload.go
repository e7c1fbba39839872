package detect

import (
	"time"

	"github.com/dnsvigil/dnsvigil/internal/state"
)

// MoveLRU copies the entries of src into dst, the least recently touched
// first, so that dst keeps src's order of recency. A detector uses it in
// Reload when a new configuration changes the capacity or TTL of one of its
// tables: dst is the new detector's empty table. When dst holds fewer
// entries than src, the least recently touched entries are evicted (dst
// counts them); MoveLRU returns how many. at gives the event time each entry
// is inserted with, which decides when it expires under dst's TTL; it may be
// nil when dst has none.
//
// MoveLRU allocates a copy of src's entries; it is meant for a reload, not
// for an event path.
func MoveLRU[K comparable, V any](dst, src *state.LRU[K, V], at func(k K, v *V) time.Time) int64 {
	type entry struct {
		k K
		v V
	}
	all := make([]entry, 0, src.Len())
	src.Each(func(k K, v *V) bool {
		all = append(all, entry{k, *v})
		return true
	})
	before := dst.Evictions()
	for i := len(all) - 1; i >= 0; i-- {
		var t time.Time
		if at != nil {
			t = at(all[i].k, &all[i].v)
		}
		dst.Put(all[i].k, all[i].v, t)
	}
	return dst.Evictions() - before
}
