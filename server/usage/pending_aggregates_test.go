package usage

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/store"
)

// The aggregate a write takes holds exactly what the requests added, kept
// apart by key, minute, route, status and counting, whatever the order:
// checked against a plain sum of the same requests, with keys that hit more
// groups than fit the unindexed list and addresses that change.
func TestPendingSumsEveryRequestIntoItsGroup(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	routes := []string{"/api/v1/campaigns", "/api/v1/emails/send", "/api/v1/contacts"}
	statuses := []int{200, 201, 401, 429, 500}
	type want struct {
		n, lat int64
		h      [store.HistBuckets]int64
	}
	rollups := map[store.RollupKey]*want{}
	totals := map[store.TotalKey]int64{}
	keys := map[string]*store.KeyDelta{}
	ips := map[store.IPKey]*store.IPDelta{}
	groups := map[[2]any]bool{} // a rollup row, and whether its requests took a token
	slots := make([]store.UsageSlot, 30)
	p := newPending()
	for i := range 20_000 {
		key := rng.IntN(30)
		e := store.UsageEvent{At: base.Add(time.Duration(rng.IntN(180_000)) * time.Millisecond),
			TenantID: "tnt_" + strconv.Itoa(key%3), KeyID: "key_" + strconv.Itoa(key),
			Method: "GET", Route: routes[rng.IntN(len(routes))], Status: statuses[rng.IntN(len(statuses))],
			Counted: rng.IntN(4) > 0, IP: "10.0.0." + strconv.Itoa(rng.IntN(3+key%5)), LatencyUS: int64(rng.IntN(5_000_000))}
		if key == 0 { // one key sends one shape only
			e.Route, e.Status, e.Counted, e.IP = routes[0], 200, true, "10.0.0.1"
		}
		if key%2 == 0 { // half the keys come with their slot, as from the key cache
			e.Slot = &slots[key]
		}
		if _, dropped := p.add(&e, map[sampleKey]int{}, maxGroups); dropped {
			t.Fatalf("request %d dropped below the bound", i)
		}
		sec := e.At.Unix()
		minute := sec - sec%60
		rk := store.RollupKey{TenantID: e.TenantID, KeyID: e.KeyID, Res: 60, T: minute, Endpoint: e.Endpoint(), Status: e.Status}
		w := rollups[rk]
		if w == nil {
			w = &want{}
			rollups[rk] = w
		}
		groups[[2]any{rk, e.Counted}] = true
		w.n++
		w.lat += e.LatencyUS
		w.h[store.HistBucket(e.LatencyUS)]++
		if e.Counted {
			totals[store.TotalKey{TenantID: e.TenantID, KeyID: e.KeyID, T: minute}]++
			totals[store.TotalKey{TenantID: e.TenantID, T: minute}]++
		}
		kd := keys[e.KeyID]
		if kd == nil {
			kd = &store.KeyDelta{}
			keys[e.KeyID] = kd
		}
		kd.N++
		if e.Status >= 400 {
			kd.Errs++
		}
		if at := store.MS(e.At); at >= kd.LastUsed {
			kd.LastUsed, kd.LastIP = at, e.IP
		}
		ik := store.IPKey{KeyID: e.KeyID, IP: e.IP}
		if ips[ik] == nil {
			ips[ik] = &store.IPDelta{}
		}
		ips[ik].N++
		ips[ik].Last = max(ips[ik].Last, store.MS(e.At))
	}
	if p.n != 20_000 || p.ngroups != len(groups) {
		t.Fatalf("pending counts %d requests in %d groups, want 20000 in %d", p.n, p.ngroups, len(groups))
	}
	if k := p.keys["key_0"]; len(k.groups) > 3 || k.byShape != nil {
		t.Fatalf("a key of one shape holds %d groups (indexed %v)", len(k.groups), k.byShape != nil)
	}
	if k := p.keys["key_1"]; k.byShape == nil {
		t.Fatalf("a key with %d groups is not indexed", len(k.groups))
	}
	fine, coarse := store.NewUsageBatch(), store.NewUsageBatch()
	p.batch(fine, coarse)
	if len(fine.Rollups) != len(rollups) {
		t.Fatalf("%d minute rows, want %d", len(fine.Rollups), len(rollups))
	}
	for k, w := range rollups {
		got := fine.Rollups[k]
		if got == nil || got.N != w.n || got.LatSum != w.lat || got.H != w.h {
			t.Fatalf("row %+v: got %+v, want %+v", k, got, w)
		}
	}
	if len(fine.Totals) != len(totals) {
		t.Fatalf("%d minute totals, want %d", len(fine.Totals), len(totals))
	}
	for k, n := range totals {
		if fine.Totals[k] != n {
			t.Fatalf("total %+v: %d, want %d", k, fine.Totals[k], n)
		}
	}
	if len(coarse.Keys) != len(keys) || len(coarse.IPs) != len(ips) {
		t.Fatalf("%d key counters and %d addresses, want %d and %d", len(coarse.Keys), len(coarse.IPs), len(keys), len(ips))
	}
	for id, w := range keys {
		if got := coarse.Keys[id]; *got != *w {
			t.Fatalf("key %s: %+v, want %+v", id, *got, *w)
		}
	}
	for k, w := range ips {
		if got := coarse.IPs[k]; *got != *w {
			t.Fatalf("address %+v: %+v, want %+v", k, *got, *w)
		}
	}
}

// Past the bound of groups, a request of a new group or a new key is
// dropped (and counted by the caller); one of a group already held is not.
func TestPendingDropsOnlyNewGroupsPastTheBound(t *testing.T) {
	p := newPending()
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	ev := func(key string, status int) *store.UsageEvent {
		return &store.UsageEvent{At: at, TenantID: "t", KeyID: key, Method: "GET", Route: "/r", Status: status, IP: "10.0.0.1"}
	}
	for _, c := range []struct {
		e       *store.UsageEvent
		dropped bool
	}{
		{ev("a", 200), false}, {ev("a", 500), false}, {ev("b", 200), false}, // 3 groups: the bound
		{ev("a", 404), true}, {ev("c", 200), true}, // a new group, a new key
		{ev("a", 500), false}, {ev("b", 200), false}, // groups held
	} {
		if _, dropped := p.add(c.e, map[sampleKey]int{}, 3); dropped != c.dropped {
			t.Fatalf("%s %d: dropped %v, want %v", c.e.KeyID, c.e.Status, dropped, c.dropped)
		}
	}
	if p.n != 5 || p.ngroups != 3 || len(p.keys) != 2 {
		t.Fatalf("%d requests in %d groups over %d keys, want 5 in 3 over 2", p.n, p.ngroups, len(p.keys))
	}
}

// slotted makes requests of one key coming with its slot.
func slotted(slot *store.UsageSlot) func(status int) *store.UsageEvent {
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	return func(status int) *store.UsageEvent {
		return &store.UsageEvent{At: at, TenantID: "t", KeyID: "k", Method: "GET", Route: "/r", Status: status, IP: "10.0.0.1", Slot: slot}
	}
}

// A key's slot leads to its counts in the batch being filled only: after the
// writer takes a batch, the next request of the key lands in the new one
// (the slot names batches by number, so an idle key's slot keeps no written
// batch alive), and a kept failure record does not hold on to the slot.
func TestSlotFollowsTheBatchBeingFilled(t *testing.T) {
	var slot store.UsageSlot
	ev := slotted(&slot)
	p1 := newPending()
	for range 3 {
		p1.add(ev(200), map[sampleKey]int{}, maxGroups)
	}
	p2 := newPending()
	p2.add(ev(200), map[sampleKey]int{}, maxGroups)
	p2.add(ev(500), map[sampleKey]int{}, maxGroups)
	if k := p1.keys["k"]; k == nil || k.N != 3 || p1.n != 3 {
		t.Fatalf("first batch: %d requests, key %+v; want 3", p1.n, k)
	}
	if k := p2.keys["k"]; k == nil || k.N != 2 || k.Errs != 1 || p2.n != 2 {
		t.Fatalf("second batch: %d requests, key %+v; want 2 with 1 error", p2.n, k)
	}
	if slot.Batch != p2.seq || slot.Batch == p1.seq || slot.Key != any(p2.keys["k"]) {
		t.Fatal("the slot does not point into the batch being filled")
	}
	if len(p2.errors) != 1 || p2.errors[0].Slot != nil {
		t.Fatalf("kept failures %+v: want one, without the slot", p2.errors)
	}
}

// A request through its key's slot is bounded like any other: once the
// aggregate holds its bound of groups, a new group of a slotted key is
// dropped, a group it already holds is not.
func TestSlottedKeyKeepsTheGroupBound(t *testing.T) {
	var slot store.UsageSlot
	ev := slotted(&slot)
	p := newPending()
	for _, c := range []struct {
		status  int
		dropped bool
	}{{200, false}, {500, false}, {404, true}, {200, false}} {
		if _, dropped := p.add(ev(c.status), map[sampleKey]int{}, 2); dropped != c.dropped {
			t.Fatalf("status %d: dropped %v, want %v", c.status, dropped, c.dropped)
		}
	}
	if p.n != 3 || p.ngroups != 2 {
		t.Fatalf("%d requests in %d groups, want 3 in 2", p.n, p.ngroups)
	}
}
