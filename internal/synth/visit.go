package synth

import (
	"math/rand/v2"
	"strings"
)

// site is what a page of one listed domain pulls in. It is drawn once per
// domain from a generator seeded by the domain, so every visit to the site
// asks the same first-party names and third parties.
type site struct {
	apex   *host
	www    *host   // nil when the site serves from the apex only
	isHost bool    // the list entry is a host name: resolved alone
	first  []*host // first-party subresource hosts
	third  []int   // indexes into the third-party catalogue
	typo   string  // a plausible misspelling of the domain
}

// firstPartyLabels are common names of first-party subresource hosts.
func firstPartyLabels() []string {
	return []string{"static", "cdn", "img", "images", "assets", "media", "api", "m", "login", "accounts",
		"auth", "s", "i", "js", "css", "fonts", "video", "search", "shop", "account", "edge", "cdn1",
		"cdn2", "static1", "img1", "t", "metrics", "log", "beacon", "content", "files", "app"}
}

// site returns the profile of the i-th listed domain.
func (g *gen) site(i int) *site {
	if s := g.sites[i]; s != nil {
		return s
	}
	dom := g.b.Domains[i]
	r := rand.New(rand.NewPCG(g.b.Seed^hashName(dom), 0x2545f4914f6cdd1d))
	s := &site{}
	g.sites[i] = s
	if g.isHostEntry(dom) {
		s.isHost = true
		s.apex = g.host(dom, 300)
		return s
	}
	cdn := g.cdnFor(r, dom)
	s.apex = g.host(dom, ttlPick(r))
	s.typo = typo(r, dom)
	if r.IntN(10) < 9 {
		s.www = g.host("www."+dom, ttlPick(r), cdn("www."+dom)...)
	}
	labels := firstPartyLabels()
	for range r.IntN(6) {
		name := labels[r.IntN(len(labels))] + "." + dom
		s.first = append(s.first, g.host(name, ttlPick(r), cdn(name)...))
	}
	if r.IntN(100) < 15 {
		for range 1 + r.IntN(2) {
			s.first = append(s.first, g.host("api-"+hexToken(r, 8)+"."+dom, 60))
		}
	}
	for j, tp := range g.catalogue {
		if r.Float64() < tp.share {
			s.third = append(s.third, j)
		}
	}
	return s
}

// isHostEntry reports whether a list entry is a host name rather than a
// registrable domain.
func (g *gen) isHostEntry(dom string) bool {
	if g.b.PSL == nil {
		return strings.HasPrefix(dom, "www.")
	}
	d := g.b.PSL.Domain(dom)
	return d != "" && d != dom
}

// ttlPick draws a site's TTL from the common choices.
func ttlPick(r *rand.Rand) uint32 {
	ttls := [...]uint32{60, 300, 300, 300, 600, 1800, 3600, 3600, 86400}
	return ttls[r.IntN(len(ttls))]
}

// cdnFor picks the CDN that fronts a site's web names and returns how a
// name of the site aliases to it: the CNAME chain a resolver returns.
func (g *gen) cdnFor(r *rand.Rand, dom string) func(name string) []string {
	label := siteLabel(dom)
	switch x := r.IntN(100); {
	case x < 22:
		dists := []string{"d" + token(r, alnumDigits, 13) + ".cloudfront.net", "d" + token(r, alnumDigits, 13) + ".cloudfront.net"}
		return func(name string) []string { return []string{dists[hashName(name)%2]} }
	case x < 35:
		edge := "e" + number(r, 1, 5) + ".dscb.akamaiedge.net"
		if r.IntN(2) == 0 {
			edge = "e" + number(r, 3, 5) + ".a.akamaiedge.net"
		}
		return func(name string) []string { return []string{name + ".edgekey.net", edge} }
	case x < 40:
		edge := "a" + number(r, 1, 4) + ".g.akamai.net"
		return func(name string) []string { return []string{name + ".edgesuite.net", edge} }
	case x < 48:
		target := label + ".map.fastly.net"
		switch r.IntN(3) {
		case 0:
			target = "dualstack." + target
		case 1:
			target = label + ".global.ssl.fastly.net"
		}
		return func(string) []string { return []string{target} }
	case x < 60:
		return func(name string) []string { return []string{name + ".cdn.cloudflare.net"} }
	case x < 64:
		part := "shed.dual-low.s-part-00" + number(r, 2, 2) + ".t-00" + number(r, 2, 2) + ".t-msedge.net"
		return func(string) []string {
			return []string{label + ".azureedge.net", label + ".afd.azureedge.net", part}
		}
	case x < 68:
		elb := label + "-prod-" + number(r, 9, 10) + ".us-east-1.elb.amazonaws.com"
		return func(string) []string { return []string{elb} }
	case x < 71:
		tm := label + "-" + token(r, letters, 4) + ".trafficmanager.net"
		return func(string) []string { return []string{tm, label + ".azurewebsites.net"} }
	}
	return func(string) []string { return nil }
}

// typo misspells dom by dropping, doubling or swapping a letter of its
// first label.
func typo(r *rand.Rand, dom string) string {
	label := siteLabel(dom)
	if len(label) < 4 {
		return "ww" + dom
	}
	i := 1 + r.IntN(len(label)-2)
	switch r.IntN(3) {
	case 0:
		return dom[:i] + dom[i+1:]
	case 1:
		return dom[:i] + dom[i:i+1] + dom[i:]
	}
	return dom[:i] + dom[i+1:i+2] + dom[i:i+1] + dom[i+2:]
}

// ms is a millisecond in Unix nanoseconds.
const ms = int64(1e6)

// visit runs one activity of client ci at time t.
func (g *gen) visit(ci int, t int64) {
	c := &g.clients[ci]
	g.visits++
	if !c.started {
		c.started = true
		g.telemetry(ci, t)
		if g.r.IntN(10) < 3 {
			g.probes(ci, t)
		}
		return
	}
	switch x := g.r.Float64(); {
	case x < 0.08:
		g.telemetry(ci, t)
	case x < 0.08+c.video:
		g.video(ci, t)
	case x < 0.10+c.video:
		g.intranet(ci, t)
	default:
		g.page(ci, t)
	}
}

// page is one page view: the site's names, its subresources and third
// parties, most within a few seconds and some lazily later.
func (g *gen) page(ci int, t int64) {
	s := g.site(g.pickSite())
	if s.isHost {
		g.resolve(ci, t, s.apex)
		return
	}
	if g.r.IntN(100) == 0 {
		g.resolve(ci, t, g.nxHost(s.typo))
		if g.r.IntN(2) == 0 {
			g.resolve(ci, t+int64(g.r.IntN(5))*ms, g.nxHost(s.typo+"."+g.b.SearchDomain))
		}
		return
	}
	off := int64(0)
	if s.www == nil || g.r.IntN(2) == 0 {
		g.resolve(ci, t, s.apex)
		off = int64(30+g.r.IntN(200)) * ms
	}
	if s.www != nil {
		g.resolve(ci, t+off, s.www)
	}
	for _, h := range s.first {
		if g.r.IntN(10) < 7 {
			g.resolve(ci, t+off+int64(50+g.r.IntN(600))*ms, h)
		}
	}
	for _, j := range s.third {
		at := t + off + int64(200+g.r.IntN(2800))*ms
		if g.r.IntN(5) == 0 {
			at += int64(3000+g.r.IntN(17000)) * ms
		}
		for _, h := range g.catalogue[j].hosts(g, ci, s) {
			g.resolve(ci, at+int64(g.r.IntN(400))*ms, h)
		}
	}
}

// video is a video session: the player's page names, then googlevideo
// caches resolved as the player switches caches and qualities over a few
// minutes.
func (g *gen) video(ci int, t int64) {
	c := &g.clients[ci]
	for _, n := range [...]string{"www.youtube.com", "i.ytimg.com", "yt3.ggpht.com", "youtubei.googleapis.com", "jnn-pa.googleapis.com"} {
		g.resolve(ci, t+int64(g.r.IntN(800))*ms, g.host(n, 300))
	}
	if g.r.IntN(4) == 0 {
		g.resolve(ci, t+900*ms, g.host("redirector.googlevideo.com", 1800))
	}
	at := t + int64(800+g.r.IntN(1500))*ms
	end := at + int64(60+g.r.IntN(900))*1e9
	for at < end {
		name := "rr" + itoa(1+g.r.IntN(20)) + "---sn-" + c.sn[g.r.IntN(2)] + ".googlevideo.com"
		g.resolve(ci, at, g.host(name, 1800))
		at += int64(15+g.r.IntN(120)) * 1e9
	}
}

// intranet resolves internal short names with the search domain appended.
func (g *gen) intranet(ci int, t int64) {
	names := [...]string{"fileserver", "intranet", "mail", "vpn", "sharepoint", "jira", "confluence",
		"gitlab", "dc01", "dc02", "printer-2f", "printer-3f", "proxy", "hr", "wiki"}
	for range 1 + g.r.IntN(3) {
		n := names[g.r.IntN(len(names))] + "." + g.b.SearchDomain
		g.resolve(ci, t+int64(g.r.IntN(2000))*ms, g.host(n, 1200))
	}
}

// probes are a browser's intranet-redirect detection: three random
// single-label names, which the client's resolver completes with the
// search domain; they do not exist.
func (g *gen) probes(ci int, t int64) {
	for i := range 3 {
		n := token(g.r, letters, 7+g.r.IntN(9)) + "." + g.b.SearchDomain
		g.resolve(ci, t+int64(i*3+g.r.IntN(3))*ms, g.nxHost(n))
	}
}

// itoa is strconv.Itoa for small non-negative numbers.
func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
