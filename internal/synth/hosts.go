package synth

import (
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
)

// host is one name the stream resolves, with what the resolver answers.
type host struct {
	name  string
	chain []string // CNAME targets returned before the addresses
	ttl   uint32
	v6    bool // has AAAA records
	nx    bool // does not exist
	hash  uint64
}

// hashName is FNV-1a of s: stable across runs, unlike maphash.
func hashName(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// host returns the host for name, creating it on first use with ttl and
// chain. Addresses, IPv6 support and the resolver's answers follow from the
// name's hash, so a name always resolves the same way.
func (g *gen) host(name string, ttl uint32, chain ...string) *host {
	if h, ok := g.hosts[name]; ok {
		return h
	}
	h := &host{name: name, chain: chain, ttl: ttl, hash: hashName(name)}
	h.v6 = h.hash>>8%10 < 6
	g.hosts[name] = h
	return h
}

// nxHost returns a name that does not exist.
func (g *gen) nxHost(name string) *host {
	h := g.host(name, 900)
	h.nx = true
	return h
}

// prefix is where a provider's addresses come from; a name is matched by
// the suffix of its last alias (or its own name).
type prefix struct {
	suffix string
	v4     [2]byte
	v6     string
}

func providerPrefixes() []prefix {
	return []prefix{
		{".cloudfront.net", [2]byte{13, 32}, "2600:9000:2"},
		{".akamaiedge.net", [2]byte{23, 45}, "2a02:26f0:"},
		{".akamai.net", [2]byte{23, 62}, "2a02:26f0:"},
		{".fastly.net", [2]byte{151, 101}, "2a04:4e42:"},
		{".cloudflare.net", [2]byte{104, 18}, "2606:4700:"},
		{".cloudflare.com", [2]byte{104, 16}, "2606:4700:"},
		{".amazonaws.com", [2]byte{52, 216}, "2600:1f18:"},
		{".msedge.net", [2]byte{13, 107}, "2620:1ec:"},
		{".microsoft.com", [2]byte{20, 42}, "2603:1030:"},
		{".fbcdn.net", [2]byte{157, 240}, "2a03:2880:f0"},
		{".facebook.net", [2]byte{157, 240}, "2a03:2880:f1"},
		{".googlevideo.com", [2]byte{173, 194}, "2a00:1450:4"},
		{".google.com", [2]byte{142, 250}, "2a00:1450:4"},
		{".googleapis.com", [2]byte{142, 250}, "2a00:1450:4"},
		{".gstatic.com", [2]byte{142, 250}, "2a00:1450:4"},
		{".doubleclick.net", [2]byte{142, 251}, "2a00:1450:4"},
		{".googlesyndication.com", [2]byte{142, 251}, "2a00:1450:4"},
		{".apple.com", [2]byte{17, 253}, "2620:149:"},
		{".icloud.com", [2]byte{17, 248}, "2620:149:"},
	}
}

// prefixFor returns the address prefix of h.
func (g *gen) prefixFor(h *host) prefix {
	target := h.name
	if len(h.chain) > 0 {
		target = h.chain[len(h.chain)-1]
	}
	for _, p := range g.prefixes {
		if strings.HasSuffix(target, p.suffix) {
			return p
		}
	}
	// A public address outside the reserved ranges, fixed by the hash.
	first := byte(2 + h.hash%96) // 2..97, none reserved
	if first == 10 {
		first = 11
	}
	return prefix{v4: [2]byte{first, byte(h.hash >> 16)}, v6: "2a01:4f8:"}
}

// appendIPv4 appends the i-th IPv4 address of h.
func appendIPv4(b []byte, h *host, i int, p prefix) []byte {
	x := h.hash >> 24
	b = strconv.AppendInt(b, int64(p.v4[0]), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(p.v4[1]), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(byte(x)), 10)
	b = append(b, '.')
	return strconv.AppendInt(b, int64(1+(byte(x>>8)+byte(i)*17)%254), 10)
}

// appendIPv6 appends the i-th IPv6 address of h.
func appendIPv6(b []byte, h *host, i int, p prefix) []byte {
	x := h.hash >> 20
	b = append(b, p.v6...)
	b = strconv.AppendUint(b, x&0xfff, 16)
	b = append(b, ':')
	b = strconv.AppendUint(b, x>>12&0xffff, 16)
	b = append(b, "::"...)
	return strconv.AppendUint(b, uint64(1+(int(x>>28&0xff)+i*3)%0xffff), 16)
}

const (
	hexDigits   = "0123456789abcdef"
	alnumDigits = "0123456789abcdefghijklmnopqrstuvwxyz"
	letters     = "abcdefghijklmnopqrstuvwxyz"
)

// token returns n characters drawn from alphabet.
func token(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func hexToken(r *rand.Rand, n int) string { return token(r, hexDigits, n) }

// number returns a decimal number of between lo and hi digits, without a
// leading zero.
func number(r *rand.Rand, lo, hi int) string {
	n := lo + r.IntN(hi-lo+1)
	b := make([]byte, n)
	b[0] = '1' + byte(r.IntN(9))
	for i := 1; i < n; i++ {
		b[i] = '0' + byte(r.IntN(10))
	}
	return string(b)
}

// siteLabel is the first label of a domain, used by CDNs to name a
// customer's endpoint ("nytimes" for nytimes.com).
func siteLabel(domain string) string {
	if i := strings.IndexByte(domain, '.'); i > 0 {
		return domain[:i]
	}
	return domain
}
