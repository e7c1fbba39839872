package synth

// thirdParty is a service pages embed: share is the fraction of sites that
// use it, hosts the names one page view resolves for it.
type thirdParty struct {
	name  string
	share float64
	hosts func(g *gen, ci int, s *site) []*host
}

// fixed returns a hosts function that always resolves the same names,
// each with probability p.
func fixed(ttl uint32, p float64, names ...string) func(g *gen, ci int, s *site) []*host {
	return func(g *gen, ci int, s *site) []*host {
		out := make([]*host, 0, len(names))
		for _, n := range names {
			if g.r.Float64() < p {
				out = append(out, g.host(n, ttl))
			}
		}
		return out
	}
}

// pick returns the site's i-th choice from a shared pool: a site embeds
// the same bucket, distribution or account on every page.
func pick(pool []string, s *site, i int) string {
	return pool[(s.apex.hash>>8+uint64(i)*0x9e3779b9)%uint64(len(pool))]
}

// catalogue returns the third parties pages embed.
func catalogue() []thirdParty {
	return []thirdParty{
		{"google tag", 0.7, fixed(300, 0.8, "www.googletagmanager.com", "www.google-analytics.com", "region1.google-analytics.com", "analytics.google.com")},
		{"google ads", 0.35, googleAds},
		{"google fonts", 0.45, fixed(300, 0.9, "fonts.googleapis.com", "fonts.gstatic.com")},
		{"google static", 0.25, googleStatic},
		{"facebook", 0.3, facebook},
		{"cloudfront widgets", 0.3, cloudfrontWidgets},
		{"akamai media", 0.1, akamaiMedia},
		{"cloudflare", 0.3, fixed(300, 0.6, "cdnjs.cloudflare.com", "challenges.cloudflare.com", "static.cloudflareinsights.com")},
		{"aws", 0.18, aws},
		{"azure", 0.08, azure},
		{"sentry", 0.1, sentry},
		{"bing", 0.15, fixed(300, 0.9, "bat.bing.com")},
		{"linkedin", 0.1, fixed(300, 0.9, "snap.licdn.com", "px.ads.linkedin.com")},
		{"hotjar", 0.1, fixed(60, 0.9, "static.hotjar.com", "script.hotjar.com", "vc.hotjar.io")},
		{"segment", 0.06, fixed(60, 0.9, "cdn.segment.com", "api.segment.io")},
		{"jsdelivr", 0.15, fixed(3600, 1, "cdn.jsdelivr.net")},
	}
}

// googleAds resolves the ad stack: ad servers, one SafeFrame host per ad
// slot, whose first label is the creative's 32-digit hex hash
// (4b20079381565079237575ba7713ecbe.safeframe.googlesyndication.com), and
// sometimes an AMP ad frame host (d-1700324721198241007.ampproject.net).
func googleAds(g *gen, ci int, s *site) []*host {
	out := []*host{
		g.host("securepubads.g.doubleclick.net", 300),
		g.host("pagead2.googlesyndication.com", 300),
		g.host("googleads.g.doubleclick.net", 300),
		g.host("tpc.googlesyndication.com", 300),
		g.host("adservice.google.com", 300),
	}
	for _, n := range [...]string{"stats.g.doubleclick.net", "cm.g.doubleclick.net", "ad.doubleclick.net", "s0.2mdn.net", "googleads4.g.doubleclick.net", "ep1.adtrafficquality.google", "ep2.adtrafficquality.google"} {
		if g.r.IntN(3) == 0 {
			out = append(out, g.host(n, 300))
		}
	}
	if g.r.IntN(4) == 0 {
		// AMP ad frames are served from a per-frame numeric host.
		out = append(out, g.host("d-"+number(g.r, 19, 19)+".ampproject.net", 300))
	}
	for range g.r.IntN(5) {
		// Popular creatives run everywhere: a skewed pick from the pool.
		i := int(float64(len(g.creatives)) * g.r.Float64() * g.r.Float64())
		out = append(out, g.host(g.creatives[i]+".safeframe.googlesyndication.com", 300))
	}
	return out
}

// googleStatic resolves Google static and user-content hosts.
func googleStatic(g *gen, ci int, s *site) []*host {
	out := []*host{g.host("www.gstatic.com", 300), g.host("ajax.googleapis.com", 300)}
	out = append(out, g.host("lh"+itoa(3+g.r.IntN(4))+".googleusercontent.com", 300))
	if g.r.IntN(3) == 0 {
		out = append(out, g.host("encrypted-tbn"+itoa(g.r.IntN(4))+".gstatic.com", 300))
	}
	if g.r.IntN(4) == 0 {
		out = append(out, g.host("maps.googleapis.com", 300))
	}
	return out
}

// facebook resolves the pixel and content hosts at the client's point of
// presence.
func facebook(g *gen, ci int, s *site) []*host {
	c := &g.clients[ci]
	out := []*host{g.host("connect.facebook.net", 300), g.host("www.facebook.com", 300)}
	if g.r.IntN(2) == 0 {
		out = append(out, g.host("static.xx.fbcdn.net", 3600))
		for range g.r.IntN(3) {
			out = append(out, g.host("scontent-"+c.fbPop+"-"+itoa(1+g.r.IntN(2))+".xx.fbcdn.net", 3600))
		}
	}
	return out
}

// cloudfrontWidgets resolves widgets and libraries served straight from a
// CloudFront distribution name.
func cloudfrontWidgets(g *gen, ci int, s *site) []*host {
	out := make([]*host, 0, 2)
	for range 1 + g.r.IntN(2) {
		out = append(out, g.host(pick(g.distributions, s, len(out)), 60))
	}
	return out
}

// akamaiMedia resolves media served from Akamai customer hosts.
func akamaiMedia(g *gen, ci int, s *site) []*host {
	n := pick(g.akamai, s, 0)
	return []*host{g.host(n, 20, "a"+itoa(int(hashName(n)%9000)+100)+".dscg.akamai.net")}
}

// aws resolves S3 buckets, API Gateway endpoints and, rarely, a load
// balancer name used directly.
func aws(g *gen, ci int, s *site) []*host {
	out := []*host{g.host(pick(g.buckets, s, g.r.IntN(2)), 5)}
	if g.r.IntN(3) == 0 {
		out = append(out, g.host(pick(g.apis, s, 0), 60))
	}
	if g.r.IntN(10) == 0 {
		out = append(out, g.host(pick(g.elbs, s, 0), 60))
	}
	return out
}

// azure resolves blob storage and a front-door endpoint.
func azure(g *gen, ci int, s *site) []*host {
	n := pick(g.blobs, s, 0)
	return []*host{g.host(n, 60), g.host("a-0001.a-msedge.net", 240)}
}

// sentry resolves an error-reporting ingest host with a numeric
// organisation id.
func sentry(g *gen, ci int, s *site) []*host {
	return []*host{g.host(pick(g.sentryOrgs, s, 0), 60), g.host("browser.sentry-cdn.com", 300)}
}
