package store

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkAdd measures the pre-aggregation path: keys already pending.
func BenchmarkAdd(b *testing.B) {
	db := openT(b, b.TempDir()+"/pdns.db", Options{FlushEvery: 24 * time.Hour})
	defer db.Close()
	facts := make([]Fact, 1024)
	for i := range facts {
		if i%4 == 3 {
			facts[i] = Fact{Kind: KindClient, Client: "10.0.0." + strconv.Itoa(i%200), Domain: "d" + strconv.Itoa(i) + ".example", Time: t0}
			continue
		}
		facts[i] = Fact{Kind: KindRR, Name: "host" + strconv.Itoa(i) + ".example.com", Type: typeA,
			Data: "192.0.2." + strconv.Itoa(i%256), Section: SectionAnswer, Time: t0}
	}
	for _, f := range facts {
		if err := db.Add(f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := db.Add(facts[i&1023]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "obs/s")
}

// ingestKeys is the number of distinct keys of BenchmarkIngest, and
// ingestObs the number of observations per run.
const (
	ingestKeys = 200_000
	ingestObs  = 1_000_000
)

// BenchmarkIngest replays a realistic scan: 1,000,000 observations over
// 200,000 distinct keys (every key once, the rest Zipf-distributed, so a few
// names repeat heavily), 10 minutes of event time, three quarters records
// (A, AAAA, NS, CNAME) and a quarter client facts, into a new file, Close
// included. One op is the whole replay.
func BenchmarkIngest(b *testing.B) {
	keys := make([]Fact, ingestKeys)
	for i := range keys {
		d := "d" + strconv.Itoa(i/8) + ".example.com"
		switch i % 8 {
		case 0, 1:
			keys[i] = Fact{Kind: KindClient, Client: "10.1." + strconv.Itoa(i%200) + "." + strconv.Itoa(i%250), Domain: d}
		case 2:
			keys[i] = Fact{Kind: KindRR, Name: d, Type: typeNS, Data: "ns" + strconv.Itoa(i%3000) + ".dns-host.net", Section: SectionAuthority}
		case 3:
			keys[i] = Fact{Kind: KindRR, Name: "www." + d, Type: 5, Data: "edge" + strconv.Itoa(i%9000) + ".cdn.net", Section: SectionAnswer}
		case 4:
			keys[i] = Fact{Kind: KindRR, Name: "www." + d, Type: typeAAAA, Data: "2001:db8::" + strconv.FormatInt(int64(i), 16), Section: SectionAnswer}
		default:
			keys[i] = Fact{Kind: KindRR, Name: "h" + strconv.Itoa(i) + "." + d, Type: typeA,
				Data: "198.51." + strconv.Itoa(i%256) + "." + strconv.Itoa(i/256%256), Section: SectionAnswer}
		}
	}
	r := rand.New(rand.NewPCG(7, 11))
	zipf := rand.NewZipf(r, 1.1, 1, ingestKeys-1)
	obs := make([]int32, ingestObs)
	for i := range obs {
		if i < ingestKeys {
			obs[i] = int32(i)
		} else {
			obs[i] = int32(zipf.Uint64())
		}
	}
	r.Shuffle(len(obs), func(i, j int) { obs[i], obs[j] = obs[j], obs[i] })

	b.ReportAllocs()
	var size, rows int64
	for b.Loop() {
		path := b.TempDir() + "/pdns.db"
		db := openT(b, path, Options{})
		for i, k := range obs {
			f := keys[k]
			f.Time = t0.Add(time.Duration(i) * 600 * time.Second / ingestObs)
			if err := db.Add(f); err != nil {
				b.Fatal(err)
			}
		}
		st, err := db.Stats(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		rows = st.RRsets + st.ClientDomains
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		size = fi.Size()
	}
	b.ReportMetric(float64(ingestObs)*float64(b.N)/b.Elapsed().Seconds(), "obs/s")
	b.ReportMetric(float64(size)/float64(rows), "bytes/row")
	b.ReportMetric(float64(rows), "rows")
}
