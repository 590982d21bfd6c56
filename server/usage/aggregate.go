package usage

import "github.com/penguinmails/pmdev/server/store"

// aggregate turns a batch of requests into the rows it adds: rollups at
// every resolution, accepted requests per minute, key counters and key
// addresses.
func aggregate(batch []store.UsageEvent) *store.UsageBatch {
	// Group by minute first (one map operation per event), then fan the
	// groups out to every resolution.
	type groupKey struct {
		rk      store.RollupKey
		counted bool
	}
	groups := map[groupKey]*store.RollupVal{}
	b := &store.UsageBatch{Events: batch, Rollups: map[store.RollupKey]*store.RollupVal{}, Totals: map[store.TotalKey]int64{},
		Keys: map[string]*store.KeyDelta{}, IPs: map[store.IPKey]*store.IPDelta{}}
	for i := range batch {
		e := &batch[i]
		sec := e.At.Unix()
		gk := groupKey{store.RollupKey{TenantID: e.TenantID, KeyID: e.KeyID, Res: 60, T: sec - sec%60, Endpoint: e.Endpoint(), Status: e.Status}, e.Counted}
		v := groups[gk]
		if v == nil {
			v = &store.RollupVal{}
			groups[gk] = v
		}
		v.N++
		v.LatSum += e.LatencyUS
		v.H[store.HistBucket(e.LatencyUS)]++
		d := b.Keys[e.KeyID]
		if d == nil {
			d = &store.KeyDelta{}
			b.Keys[e.KeyID] = d
		}
		d.N++
		if e.Status >= 400 {
			d.Errs++
		}
		if at := store.MS(e.At); at >= d.LastUsed {
			d.LastUsed, d.LastIP = at, e.IP
		}
		ik := store.IPKey{KeyID: e.KeyID, IP: e.IP}
		id := b.IPs[ik]
		if id == nil {
			id = &store.IPDelta{}
			b.IPs[ik] = id
		}
		id.N++
		id.Last = max(id.Last, store.MS(e.At))
	}
	for gk, v := range groups {
		for _, res := range store.RollupRes() {
			k := gk.rk
			k.Res, k.T = res, gk.rk.T-gk.rk.T%res
			store.MergeRollup(b.Rollups, k, v)
		}
		if gk.counted {
			b.Totals[store.TotalKey{TenantID: gk.rk.TenantID, KeyID: gk.rk.KeyID, T: gk.rk.T}] += v.N
			b.Totals[store.TotalKey{TenantID: gk.rk.TenantID, T: gk.rk.T}] += v.N
		}
	}
	return b
}
