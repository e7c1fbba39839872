package state

import (
	"fmt"
	"math"
	"math/bits"
)

// Bounds of Distinct's parameters.
const (
	MinPrecision = 4
	MaxPrecision = 16
	// MaxExact is the largest exact set a Distinct may keep.
	MaxExact = 1024
)

// distinctInline is how many values a Distinct holds without any storage of
// its own: most keys see one or two servers, and their counting then stays
// within the Distinct's own cache line.
const distinctInline = 4

// Distinct counts distinct values, given as 64-bit hashes (HashString,
// HashAddr). It keeps up to its exact capacity of hashes and counts exactly
// (barring 64-bit hash collisions); past that it switches to a HyperLogLog
// sketch with 2^precision one-byte registers, whose relative standard error
// is about 1.04/sqrt(2^precision) (6.5 % at precision 8), and which uses
// linear counting for small cardinalities.
//
// The first four values live inside the Distinct itself; more exact values
// and the registers are allocated when first needed, at most 8*exact plus
// 2^precision bytes, and Reset keeps them so that a Distinct reused for the
// next window or key does not allocate again.
//
// The zero Distinct is not usable: build one with MakeDistinct or
// NewDistinct. A Distinct must not be copied after first use, and is not safe
// for concurrent use.
type Distinct struct {
	inline [distinctInline]uint64
	n      int32 // exact values held (inline first, then spill)
	limit  int32 // exact capacity
	p      uint8
	over   bool
	extra  *distinctExtra
}

type distinctExtra struct {
	spill []uint64 // exact values beyond the inline ones
	regs  []uint8  // nil until the exact set first overflows
}

// MakeDistinct returns a counter that is exact up to exact values (1 to
// MaxExact) and then estimates with 2^precision registers (MinPrecision to
// MaxPrecision), for embedding in a caller's struct or slice.
func MakeDistinct(exact int, precision uint8) (Distinct, error) {
	if exact < 1 || exact > MaxExact {
		return Distinct{}, fmt.Errorf("make distinct: exact capacity %d is outside 1..%d", exact, MaxExact)
	}
	if precision < MinPrecision || precision > MaxPrecision {
		return Distinct{}, fmt.Errorf("make distinct: precision %d is outside %d..%d", precision, MinPrecision, MaxPrecision)
	}
	return Distinct{limit: int32(exact), p: precision}, nil
}

// NewDistinct is MakeDistinct returning a pointer.
func NewDistinct(exact int, precision uint8) (*Distinct, error) {
	d, err := MakeDistinct(exact, precision)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// Add records the value whose hash is h.
func (d *Distinct) Add(h uint64) {
	if d.over {
		d.addReg(h)
		return
	}
	in := min(d.n, distinctInline)
	for _, x := range d.inline[:in] {
		if x == h {
			return
		}
	}
	if d.n > distinctInline {
		for _, x := range d.extra.spill {
			if x == h {
				return
			}
		}
	}
	switch {
	case d.n >= d.limit:
		d.overflow(h)
	case d.n < distinctInline:
		d.inline[d.n] = h
		d.n++
	default:
		if d.extra == nil {
			d.extra = &distinctExtra{}
		}
		if d.extra.spill == nil {
			d.extra.spill = make([]uint64, 0, d.limit-distinctInline)
		}
		d.extra.spill = append(d.extra.spill, h)
		d.n++
	}
}

// overflow switches to the sketch, carrying the exact values over.
func (d *Distinct) overflow(h uint64) {
	if d.extra == nil {
		d.extra = &distinctExtra{}
	}
	if d.extra.regs == nil {
		d.extra.regs = make([]uint8, 1<<d.p)
	}
	d.over = true
	for _, x := range d.inline[:min(d.n, distinctInline)] {
		d.addReg(x)
	}
	for _, x := range d.extra.spill {
		d.addReg(x)
	}
	d.addReg(h)
}

func (d *Distinct) addReg(h uint64) {
	i := h >> (64 - d.p)
	w := h<<d.p | 1<<(d.p-1) // the guard bit caps the rank at 64-p+1
	if r := uint8(bits.LeadingZeros64(w) + 1); r > d.extra.regs[i] {
		d.extra.regs[i] = r
	}
}

// Count returns the number of distinct values added: exact while Exact is
// true, else the estimate, never below the exact capacity plus one.
func (d *Distinct) Count() uint64 {
	if !d.over {
		return uint64(d.n)
	}
	regs := d.extra.regs
	m := float64(len(regs))
	sum, zeros := 0.0, 0
	for _, r := range regs {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	var alpha float64
	switch len(regs) {
	case 16:
		alpha = 0.673
	case 32:
		alpha = 0.697
	case 64:
		alpha = 0.709
	default:
		alpha = 0.7213 / (1 + 1.079/m)
	}
	e := alpha * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	n := uint64(math.Round(e))
	if floor := uint64(d.limit) + 1; n < floor {
		n = floor
	}
	return n
}

// Merge adds the values counted by o, which must have the same precision
// (it panics otherwise: both come from one constructor call site). While
// both are exact the union is exact.
func (d *Distinct) Merge(o *Distinct) {
	if d.p != o.p {
		panic(fmt.Sprintf("merge distinct: precision %d into %d", o.p, d.p))
	}
	if !o.over {
		for _, x := range o.inline[:min(o.n, distinctInline)] {
			d.Add(x)
		}
		if o.extra != nil {
			for _, x := range o.extra.spill {
				d.Add(x)
			}
		}
		return
	}
	if !d.over {
		// Switch to the sketch with one of o's registers' worth of nothing:
		// overflow needs a value, and any value of d itself adds nothing new.
		if d.n > 0 {
			d.overflow(d.inline[0])
		} else {
			if d.extra == nil {
				d.extra = &distinctExtra{}
			}
			if d.extra.regs == nil {
				d.extra.regs = make([]uint8, 1<<d.p)
			}
			d.over = true
		}
	}
	for i, r := range o.extra.regs {
		d.extra.regs[i] = max(d.extra.regs[i], r)
	}
}

// Exact reports whether Count is exact (the exact capacity was never
// exceeded since the last Reset).
func (d *Distinct) Exact() bool { return !d.over }

// Reset forgets every value, keeping any storage.
func (d *Distinct) Reset() {
	d.n = 0
	if d.extra != nil {
		d.extra.spill = d.extra.spill[:0]
		if d.over {
			clear(d.extra.regs)
		}
	}
	d.over = false
}
