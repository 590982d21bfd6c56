package usage

import (
	"github.com/penguinmails/pmdev/server/store"
)

// Bounds of what requests accumulate between two writes. Counts are kept
// for every request; only full error records are sampled, and only a
// flood of distinct groups (never seen in practice: keys × routes ×
// statuses per second) is dropped, counted and logged.
const (
	// Full error records held between two writes (and store.SampleCap of
	// each key, minute and status).
	maxErrorRecords = 20_000
	// Distinct (minute, key, route, status) groups held between two writes.
	maxGroups = 200_000
)

// groupKey is one minute of one key's requests to one route with one status.
type groupKey struct {
	tenantID, keyID string
	minute          int64
	method, route   string
	status          int
	counted         bool // took a rate-limit token
}

// sampleKey counts the full error records kept of a key, status and minute.
type sampleKey struct {
	keyID  string
	minute int64
	status int
}

// keyAcc is what the requests of a key add to its counters.
type keyAcc struct {
	tenantID string
	store.KeyDelta
}

// pending is what requests added since the last write, aggregated as they
// arrive so a request costs a few map updates, never a wait.
type pending struct {
	n       int64 // requests
	groups  map[groupKey]*store.RollupVal
	keys    map[string]*keyAcc
	ips     map[store.IPKey]*store.IPDelta
	errors  []store.UsageEvent
	audits  []store.UsageEvent
	tenants map[string]struct{}
}

func newPending() *pending {
	return &pending{groups: map[groupKey]*store.RollupVal{}, keys: map[string]*keyAcc{}, ips: map[store.IPKey]*store.IPDelta{},
		tenants: map[string]struct{}{}}
}

// add folds e in; it reports whether e's full error record was left out
// (sampled) and whether e was dropped altogether.
func (p *pending) add(e *store.UsageEvent, samples map[sampleKey]int, groupsMax int) (sampled, dropped bool) {
	sec := e.At.Unix()
	minute := sec - sec%60
	gk := groupKey{tenantID: e.TenantID, keyID: e.KeyID, minute: minute, method: e.Method, route: e.Route, status: e.Status, counted: e.Counted}
	v := p.groups[gk]
	if v == nil {
		if len(p.groups) >= groupsMax {
			return false, true
		}
		v = &store.RollupVal{}
		p.groups[gk] = v
	}
	p.n++
	v.N++
	v.LatSum += e.LatencyUS
	v.H[store.HistBucket(e.LatencyUS)]++
	d := p.keys[e.KeyID]
	if d == nil {
		d = &keyAcc{tenantID: e.TenantID}
		p.keys[e.KeyID] = d
	}
	d.N++
	at := store.MS(e.At)
	if e.Status >= 400 {
		d.Errs++
	}
	if at >= d.LastUsed {
		d.LastUsed, d.LastIP = at, e.IP
	}
	ik := store.IPKey{KeyID: e.KeyID, IP: e.IP}
	id := p.ips[ik]
	if id == nil {
		id = &store.IPDelta{}
		p.ips[ik] = id
	}
	id.N++
	id.Last = max(id.Last, at)
	p.tenants[e.TenantID] = struct{}{}
	if e.Status < 400 {
		return false, false
	}
	// A flood of failures keeps a sample of full records per key and
	// minute; the rollups above count every one.
	sk := sampleKey{keyID: e.KeyID, minute: minute, status: e.Status}
	if samples[sk] >= store.SampleCap(e.Status) || len(p.errors) >= maxErrorRecords {
		return true, false
	}
	samples[sk]++
	p.errors = append(p.errors, *e)
	if e.Audit != nil {
		p.audits = append(p.audits, *e)
	}
	return false, false
}

// batch turns the minute groups into the rows they add at the minute
// resolution (fine) and at the coarser ones, key counters and addresses
// included (coarse).
func (p *pending) batch(fine, coarse *store.UsageBatch) {
	for gk, v := range p.groups {
		k := store.RollupKey{TenantID: gk.tenantID, KeyID: gk.keyID, Res: 60, T: gk.minute, Endpoint: gk.method + " " + gk.route, Status: gk.status}
		fine.AddRollup(k, v)
		for _, res := range store.RollupRes()[1:] {
			k.Res, k.T = res, store.AlignDown(gk.minute, res)
			coarse.AddRollup(k, v)
		}
		if gk.counted {
			fine.Totals[store.TotalKey{TenantID: gk.tenantID, KeyID: gk.keyID, T: gk.minute}] += v.N
			fine.Totals[store.TotalKey{TenantID: gk.tenantID, T: gk.minute}] += v.N
		}
	}
	fine.Errors, fine.Audits = p.errors, p.audits
	for id, d := range p.keys {
		c := coarse.Keys[id]
		if c == nil {
			c = &store.KeyDelta{}
			coarse.Keys[id] = c
		}
		c.N += d.N
		c.Errs += d.Errs
		if d.LastUsed >= c.LastUsed {
			c.LastUsed, c.LastIP = d.LastUsed, d.LastIP
		}
	}
	for k, d := range p.ips {
		c := coarse.IPs[k]
		if c == nil {
			c = &store.IPDelta{}
			coarse.IPs[k] = c
		}
		c.N += d.N
		c.Last = max(c.Last, d.Last)
	}
}
