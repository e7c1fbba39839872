package synth

// telemetry is a burst of operating-system background lookups.
func (g *gen) telemetry(ci int, t int64) {
	c := &g.clients[ci]
	var names []string
	switch c.os {
	case osWindows:
		names = []string{"v10.events.data.microsoft.com", "v20.events.data.microsoft.com",
			"self.events.data.microsoft.com", "settings-win.data.microsoft.com",
			"kv" + itoa(601+g.r.IntN(9)) + ".prod.do.dsp.mp.microsoft.com",
			"array" + itoa(c.doArray) + ".prod.do.dsp.mp.microsoft.com",
			"geo.prod.do.dsp.mp.microsoft.com", "disc" + itoa(601+g.r.IntN(3)) + ".prod.do.dsp.mp.microsoft.com",
			"ctldl.windowsupdate.com", "login.live.com", "a-0003.a-msedge.net", "slscr.update.microsoft.com",
			"fe3cr.delivery.mp.microsoft.com", "wdcp.microsoft.com", "arc.msn.com", "tsfe.trafficmanager.net",
			"onedscolprdeus" + itoa(10+g.r.IntN(10)) + ".eastus.cloudapp.azure.com"}
	case osApple:
		p := "p" + itoa(c.icloud)
		names = []string{p + "-caldav.icloud.com", p + "-contacts.icloud.com", "gateway.icloud.com",
			itoa(c.courier) + "-courier.push.apple.com", "gsp-ssl.ls.apple.com", "gsp85-ssl.ls.apple.com",
			"configuration.ls.apple.com", "mesu.apple.com", "gs-loc.apple.com", "weather-data.apple.com",
			"bag.itunes.apple.com", "init.itunes.apple.com", "gdmf.apple.com", p + "-escrowproxy.icloud.com"}
	case osAndroid:
		names = []string{"connectivitycheck.gstatic.com", "www.google.com", "android.googleapis.com",
			"play.googleapis.com", "mtalk.google.com", "android.clients.google.com", "firebaselogging-pa.googleapis.com",
			"app-measurement.com", "clients4.google.com"}
	default:
		names = []string{"connectivity-check.ubuntu.com", "api.snapcraft.io", "daisy.ubuntu.com",
			"motd.ubuntu.com", "security.ubuntu.com", "archive.ubuntu.com", "ntp.ubuntu.com"}
	}
	for range 2 + g.r.IntN(5) {
		n := names[g.r.IntN(len(names))]
		g.resolve(ci, t+int64(g.r.IntN(5000))*ms, g.host(n, 300))
	}
}

// pools draws the shared third-party names pages use straight from their
// providers: CloudFront distributions, Akamai customer hosts, S3 buckets,
// API Gateway and load balancer names, Azure blob accounts and Sentry
// organisations.
func (g *gen) pools() {
	words := []string{"media", "assets", "static", "prod", "web", "img", "uploads", "public", "cdn", "data", "files", "content"}
	regions := []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"}
	word := func() string { return words[g.r.IntN(len(words))] }
	for range 300 {
		g.distributions = append(g.distributions, "d"+token(g.r, alnumDigits, 13)+".cloudfront.net")
	}
	for range 60 {
		site := siteLabel(g.b.Domains[g.pickSite()])
		switch g.r.IntN(3) {
		case 0:
			g.akamai = append(g.akamai, site+"-"+word()+".akamaized.net")
		case 1:
			g.akamai = append(g.akamai, site+"-a.akamaihd.net")
		default:
			g.akamai = append(g.akamai, "e"+number(g.r, 3, 5)+".dscb.akamaiedge.net")
		}
	}
	for range 200 {
		site := siteLabel(g.b.Domains[g.pickSite()])
		bucket := site + "-" + word() + "-" + hexToken(g.r, 4)
		if g.r.IntN(2) == 0 {
			g.buckets = append(g.buckets, bucket+".s3.amazonaws.com")
		} else {
			g.buckets = append(g.buckets, bucket+".s3."+regions[g.r.IntN(len(regions))]+".amazonaws.com")
		}
		g.apis = append(g.apis, token(g.r, alnumDigits, 10)+".execute-api."+regions[g.r.IntN(len(regions))]+".amazonaws.com")
		elb := site + "-" + word() + "-" + number(g.r, 9, 10) + "." + regions[g.r.IntN(len(regions))] + ".elb.amazonaws.com"
		switch g.r.IntN(3) {
		case 0:
			elb = "internal-" + elb
		case 1:
			elb = "dualstack." + elb
		}
		g.elbs = append(g.elbs, elb)
		g.blobs = append(g.blobs, site+word()+token(g.r, alnumDigits, 4)+".blob.core.windows.net")
		g.sentryOrgs = append(g.sentryOrgs, "o"+number(g.r, 5, 7)+".ingest.sentry.io")
	}
}
