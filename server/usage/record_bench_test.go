package usage

import (
	"strconv"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/store"
)

// BenchmarkRecord1000Keys is the request path's share of the usage
// aggregate with traffic spread over 1,000 keys (one route and address per
// key, as the load generator sends), the writer's background work aside;
// by key id and through the key's slot (as the key cache gives it).
//
//	go test ./server/usage -run '^$' -bench Record1000Keys -count 5
func BenchmarkRecord1000Keys(b *testing.B) {
	evs := make([]store.UsageEvent, 1000)
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for i := range evs {
		evs[i] = store.UsageEvent{At: at, TenantID: "tnt_bench", KeyID: "key_" + strconv.Itoa(100000+i), Method: "GET",
			Route: "/api/v1/campaigns", Status: 200, Counted: true, IP: "127.0.0." + strconv.Itoa(i%4), LatencyUS: 40}
	}
	for _, mode := range []string{"by-id", "slot"} {
		b.Run(mode, func(b *testing.B) {
			slots := make([]store.UsageSlot, len(evs))
			for i := range evs {
				evs[i].Slot = nil
				if mode == "slot" { // as the key cache's entries give them
					evs[i].Slot = &slots[i]
				}
			}
			p := newPending()
			samples := map[sampleKey]int{}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%100_000 == 0 { // a write takes the aggregate about this often at 10,000 req/s
					p = newPending()
				}
				p.add(&evs[i%len(evs)], samples, maxGroups)
			}
		})
	}
}
