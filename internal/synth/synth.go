// Package synth generates synthetic but realistic benign DNS telemetry, so
// that detectors can be held to a false-positive budget on traffic that
// looks like an ordinary office network browsing the popular web.
//
// Browsing writes a Zeek dns.log (TSV, with Zeek's header lines) of many
// clients visiting the domains of a top-sites list (Tranco, Umbrella) with
// Zipf-like popularity. The stream is deterministic: it depends only on the
// Browsing value (math/rand/v2 PCG seeded from Seed; no wall clock).
//
// Each page visit resolves the site, its www name and a handful of
// first-party hosts (static, cdn, img, api, ...), then the third parties a
// page of that site pulls in. Each name is asked as A, often AAAA and, by
// some clients, HTTPS (type 65), and each client keeps a DNS cache, so a
// name is asked again only after its TTL. The patterns below are included
// because they are the benign look-alikes a tunnel or DGA detector must not
// flag: hashed, numbered or encoded labels under one registrable domain,
// asked by one client many times in a few minutes.
//
//   - CDN edges with a hashed or numbered label: CloudFront distributions
//     (d1a2b3c4d5e6f7.cloudfront.net), Akamai (www.site.com.edgekey.net,
//     e1234.dscb.akamaiedge.net, a1234.g.akamai.net, site.akamaized.net),
//     Fastly (site.global.ssl.fastly.net, dualstack.site.map.fastly.net),
//     Cloudflare partial setups (www.site.com.cdn.cloudflare.net), Azure
//     (site.azureedge.net, app.trafficmanager.net, a-0001.a-msedge.net).
//   - Video and image caches: googlevideo (rr3---sn-4g5e6nez.googlevideo.com,
//     a few per client, as a player switches caches), googleusercontent
//     (lh3.googleusercontent.com and hashed app hosts), gstatic, fbcdn
//     (scontent-ams4-1.xx.fbcdn.net, a point of presence per client).
//   - Cloud object stores and load balancers: S3 buckets
//     (my-bucket-12ab.s3.us-east-1.amazonaws.com), API Gateway
//     (a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com), ELB names
//     (internal-app-123456789.us-east-1.elb.amazonaws.com), Azure blobs.
//   - Advertising and tracking: doubleclick and googlesyndication, with
//     SafeFrame hosts whose first label is a 32-digit hex creative hash
//     (<hash>.safeframe.googlesyndication.com), AMP ad frames with a
//     19-digit numeric label (d-1700324721198241007.ampproject.net), Sentry
//     ingest hosts with
//     numeric organisation ids (o123456.ingest.sentry.io), and other
//     trackers.
//   - Operating-system telemetry: Windows (v10.events.data.microsoft.com,
//     kv601.prod.do.dsp.mp.microsoft.com, array6xx delivery-optimisation
//     hosts), Apple (p55-caldav.icloud.com, 17-courier.push.apple.com),
//     Android and Linux connectivity checks.
//   - Per-site API hosts with a random deployment token (api-3f9a0c1d.site.com).
//   - NXDOMAIN: typos of popular names, the same typos with the search
//     domain appended (gogle.com.corp.example.com), and browser
//     intranet-redirect probes (random 7 to 15 letter labels with the search
//     domain); internal names under the search domain that resolve.
//
// A list entry that is a host name rather than a registrable domain (the
// Umbrella list holds infrastructure names such as www.google.com or
// a.root-servers.net) is resolved on its own, without www or subresources.
package synth
