package server

import (
	"context"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/internal/servertest"
)

// BenchmarkSeedDemo measures `--seed demo` on a fresh file (target < 2 s).
func BenchmarkSeedDemo(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, err := Open(context.Background(), Config{DBPath: servertest.DB(b, "seed.db"), WebhookKey: servertest.WebhookKey(), Seed: "demo"})
		if err != nil {
			b.Fatal(err)
		}
		s.Close(context.Background())
	}
}

// BenchmarkUsage30d measures the analytics query the console polls (target < 50 ms).
func BenchmarkUsage30d(b *testing.B) {
	for _, rng := range []string{"1h", "24h", "7d", "30d"} {
		b.Run(rng, func(b *testing.B) {
			e := newEnv(b, "demo")
			tok, err := e.s.MintToken(context.Background(), "admin@acme.test", time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				e.must("GET", "/api/v1/tenant/analytics/api-usage?range="+rng, tok, nil, 200, nil)
			}
		})
	}
}
