package server

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// BenchmarkProductHandler is the server's own work for a product request
// with traffic spread over 1,000 keys, without the network, next to the
// same for /healthz (the floor): what the handler adds per request.
//
//	go test ./server -run '^$' -bench ProductHandler -benchtime 300000x -count 5
func BenchmarkProductHandler(b *testing.B) {
	// The real clock: buckets refill as in production.
	e := &testEnv{t: b, dbPath: b.TempDir() + "/bench.db", config: func(c *Config) { c.Now = time.Now }}
	e.open("")
	b.Cleanup(e.close)
	tok := e.addUser("bench@b.test", models.RoleAdmin, "Bench", models.PlanBusiness)
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = e.createKey(tok, models.CreateAPIKeyRequest{Name: "k" + strconv.Itoa(i), Permissions: []string{"read_campaigns"}}).Plaintext
	}
	h := e.s.Handler()
	run := func(b *testing.B, path string, auth func(i int) string) {
		reqs := make([]*http.Request, len(keys))
		for i := range reqs {
			reqs[i] = httptest.NewRequest("GET", path, nil)
			reqs[i].RemoteAddr = "127.0.0.1:40000"
			if a := auth(i); a != "" {
				reqs[i].Header.Set("Authorization", a)
			}
		}
		w := &statusOnly{header: http.Header{}} // the fallback's writer: keeps the status only
		reset := func() *statusOnly {
			clear(w.header)
			w.status = 0
			return w
		}
		for _, r := range reqs { // warm: every key loaded and bucketed
			h.ServeHTTP(reset(), r)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			h.ServeHTTP(reset(), reqs[i%len(reqs)])
			if w.status != 0 && w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
		}
	}
	b.Run("healthz", func(b *testing.B) { run(b, "/healthz", func(int) string { return "" }) })
	b.Run("product", func(b *testing.B) {
		run(b, "/api/v1/campaigns?limit=5", func(i int) string { return "Bearer " + keys[i] })
	})
}
