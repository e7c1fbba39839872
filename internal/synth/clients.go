package synth

import (
	"encoding/binary"
	"math"
	"net/netip"
)

// osKind is a client's operating system, which decides its background
// telemetry.
type osKind uint8

const (
	osWindows osKind = iota
	osApple
	osAndroid
	osLinux
)

// client is one asker with its habits and DNS cache.
type client struct {
	addrS    string
	os       osKind
	aaaa     float64 // chance a name is also asked as AAAA
	https    float64 // chance a name is also asked as HTTPS
	video    float64 // share of visits that watch video
	activity float64 // relative visit rate
	next     int64
	started  bool
	sn       [2]string // googlevideo cache tokens near the client
	fbPop    string    // fbcdn point of presence
	icloud   int       // iCloud partition (pNN-caldav)
	courier  int       // Apple push courier
	doArray  int       // Windows delivery-optimisation array
	cache    map[string]int64
}

// maxCache bounds a client's cache; past it expired entries are dropped,
// and if none are, the whole cache.
const maxCache = 8192

// fbPops returns real fbcdn point-of-presence codes.
func fbPops() []string {
	return []string{"ams4", "ams2", "fra3", "fra5", "lhr8", "lhr6", "cdg4", "mad1", "waw1", "arn2", "iad3", "atl3", "ord5", "sjc3", "lax3", "dfw5"}
}

// newClients draws the clients: distinct addresses in b.Network (not the
// resolver's), an operating system and habits each.
func (g *gen) newClients() {
	b := g.b
	base := binary.BigEndian.Uint32(b.Network.Masked().Addr().AsSlice())
	size := uint32(1) << (32 - b.Network.Bits())
	used := map[uint32]bool{}
	g.clients = make([]client, b.Clients)
	pops := fbPops()
	for i := range g.clients {
		var a netip.Addr
		for {
			off := 1 + g.r.Uint32N(size-2)
			a = netip.AddrFrom4([4]byte(binary.BigEndian.AppendUint32(nil, base+off)))
			if !used[off] && a != b.Resolver && a.As4()[3] != 0 && a.As4()[3] != 255 {
				used[off] = true
				break
			}
		}
		c := &g.clients[i]
		c.addrS = a.String()
		switch x := g.r.IntN(100); {
		case x < 55:
			c.os = osWindows
		case x < 80:
			c.os = osApple
		case x < 92:
			c.os = osAndroid
		default:
			c.os = osLinux
		}
		c.aaaa = 0.5 + 0.4*g.r.Float64()
		c.https = 0.15 + 0.3*g.r.Float64()
		if c.os == osApple {
			c.https = 0.9 // Apple's resolver asks HTTPS for every web name
		}
		c.video = 0.01 + 0.08*g.r.Float64()
		c.activity = math.Exp(g.r.NormFloat64() * 0.7)
		g.activity += c.activity
		for j := range c.sn {
			c.sn[j] = token(g.r, alnumDigits, 8)
		}
		c.fbPop = pops[g.r.IntN(len(pops))]
		c.icloud = 1 + g.r.IntN(180)
		c.courier = 1 + g.r.IntN(50)
		c.doArray = 601 + g.r.IntN(28)
		c.cache = make(map[string]int64)
	}
}

// resolve has client ci look up h at ts: nothing when the name is still in
// its cache, else an A query and, by the client's habits, AAAA and HTTPS
// queries a few milliseconds apart.
func (g *gen) resolve(ci int, ts int64, h *host) {
	c := &g.clients[ci]
	if exp, ok := c.cache[h.name]; ok && exp > ts {
		return
	}
	if len(c.cache) >= maxCache {
		for k, exp := range c.cache {
			if exp <= ts {
				delete(c.cache, k)
			}
		}
		if len(c.cache) >= maxCache {
			clear(c.cache)
		}
	}
	c.cache[h.name] = ts + int64(h.ttl)*1e9
	g.emit(ci, ts, h, typeA)
	if g.r.Float64() < c.aaaa {
		g.emit(ci, ts+int64(g.r.IntN(2000))*1e3, h, typeAAAA)
	}
	if !h.nx && g.r.Float64() < c.https {
		g.emit(ci, ts+int64(g.r.IntN(3000))*1e3, h, typeHTTPS)
	}
}
