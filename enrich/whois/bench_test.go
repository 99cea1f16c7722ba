package whois

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// BenchmarkEnrichCacheHit measures cache-mode enrichment of domains that
// are all cached, two observations each, with realistic raw answers.
func BenchmarkEnrichCacheHit(b *testing.B) {
	raw, err := os.ReadFile("testdata/whois/mirror/moonxtrade.com.txt")
	if err != nil {
		b.Fatal(err)
	}
	cache, err := OpenCache(b.TempDir(), false)
	if err != nil {
		b.Fatal(err)
	}
	defer cache.Close()

	const n = 10000
	domains := make([]string, n)
	t0 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range domains {
		d := fmt.Sprintf("spam-%05d.com", i)
		domains[i] = d
		for j, src := range []string{SourceHistory, SourceWHOIS} {
			o := Observation{
				Domain: d, Source: src, Server: "bench", ObservedAt: t0.Add(time.Duration(j) * time.Hour),
				Status: StatusFound, Registrar: "Harbour Domains Ltd",
				NameServers: []string{"lara.ns.cloudflare.com", "rick.ns.cloudflare.com"},
				Registrant:  Contact{Name: "Edgard Varela", Email: "edgard011012@gmail.com", Country: "PT"},
			}
			if src == SourceWHOIS {
				setRaw(&o, raw, DefaultMaxResponseBytes)
			}
			if err := cache.Put(o); err != nil {
				b.Fatal(err)
			}
		}
	}
	cfg := Config{Mode: ModeCache}
	ctx := context.Background()

	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		obs, err := Enrich(ctx, domains, cfg, cache)
		if err != nil || len(obs) != 2*n {
			b.Fatalf("got %d observations, %v", len(obs), err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/time.Since(start).Seconds(), "domains/s")
}
