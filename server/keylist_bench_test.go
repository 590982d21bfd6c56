package server

import (
	"context"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/internal/servertest"
)

// BenchmarkKeyListAtScale reads the first page of the key list the way
// the console does, in every sort and with the attention filter, over the
// demo plus generated keys with 30 days of history (PMDEV_BENCH_KEYS,
// default 2,000), next to /healthz as the floor:
//
//	PMDEV_BENCH_KEYS=10000 go test ./server -run '^$' -bench KeyListAtScale -benchtime 20x
func BenchmarkKeyListAtScale(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("PMDEV_BENCH_KEYS")); err == nil && v >= 7 {
		n = v
	}
	s, err := Open(context.Background(), Config{DBPath: servertest.DB(b, "scale.db"), WebhookKey: servertest.WebhookKey(), Seed: "demo", SeedKeys: n})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(context.Background())
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	e := &testEnv{t: b, s: s, url: hs.URL}
	tok, err := s.MintToken(context.Background(), "admin@acme.test", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{"healthz", "", "sort=last_used", "sort=requests", "sort=attention", "needs_attention=true", "q=live+send"} {
		name := q
		if name == "" {
			name = "sort=created"
		}
		b.Run(name, func(b *testing.B) {
			path := "/api/v1/platform/api-keys?per_page=200&" + q
			if q == "healthz" {
				path = "/healthz"
			}
			for i := 0; i < b.N; i++ {
				e.must("GET", path, tok, nil, 200, nil)
			}
		})
	}
}
