package state

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// Constants of the multiply-and-fold mixer (the primes of wyhash).
const (
	hk0 = 0xa0761d6478bd642f
	hk1 = 0xe7037ed1a0b428db
	hk2 = 0x8ebc6af09c88c6e3
)

// mum multiplies a and b into 128 bits and folds the halves together.
func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// HashString returns a 64-bit hash of s under seed, for Distinct and for
// callers that key sketches by a name's hash instead of keeping the name.
//
// Unlike hash/maphash, whose seeds are random per process, the result depends
// only on seed and s, so a distinct-count estimate built on it is the same on
// every replay of the same input. It is not a cryptographic hash: someone who
// knows the seed can construct collisions, which can only make a sketch
// undercount.
func HashString(seed uint64, s string) uint64 {
	n := len(s)
	h := seed ^ hk0
	for len(s) > 16 {
		h = mum(le64(s)^hk1, le64(s[8:])^h)
		s = s[16:]
	}
	var a, b uint64
	if len(s) > 8 {
		a, b = le64(s), tail64(s[8:])
	} else {
		a = tail64(s)
	}
	return mum(hk1^uint64(n), mum(a^hk1, b^h^hk2))
}

// HashAddr returns a 64-bit hash of a under seed (the zone is ignored). An
// IPv4 address and its IPv4-mapped IPv6 form hash differently, as they compare
// differently. See HashString for the properties of the hash.
func HashAddr(seed uint64, a netip.Addr) uint64 {
	b := a.As16()
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	return mum(hk1^uint64(a.BitLen()), mum(hi^hk1^seed, lo^hk2))
}

// HashUint64 returns a 64-bit hash of v under seed.
func HashUint64(seed, v uint64) uint64 {
	return mum(hk1^8, mum(v^hk1, seed^hk2))
}

// le64 reads the first 8 bytes of s little-endian; len(s) must be at least 8.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// tail64 packs up to 8 bytes of s little-endian.
func tail64(s string) uint64 {
	if len(s) == 8 {
		return le64(s)
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		v |= uint64(s[i]) << (8 * i)
	}
	return v
}
