package usage

import (
	"sync/atomic"

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

// group is one minute of one key's requests to one route with one status.
type group struct {
	groupShape
	v store.RollupVal
}

// groupShape tells one key's groups apart.
type groupShape struct {
	minute        int64
	method, route string
	status        int
	counted       bool // took a rate-limit token
}

// sampleKey counts the full error records kept of a key, status and minute.
type sampleKey struct {
	keyID  string
	minute int64
	status int
}

// keyPending is what one key's requests added since the last write. A key
// sends most of its requests to one route with one status from one
// address, so the last group and address are tried before any hashing.
type keyPending struct {
	tenantID string
	store.KeyDelta
	groups  []group
	byShape map[groupShape]int // index into groups, once there are a few
	last    int                // the group the last request went to
	ips     map[string]*store.IPDelta
	lastIP  string
	lastIPd *store.IPDelta
}

// fewGroups is how many groups a key holds before they are indexed.
const fewGroups = 8

// pending is what requests added since the last write, aggregated as they
// arrive so a request costs a map lookup or two, never a wait.
type pending struct {
	seq     uint64 // this aggregate's number (see store.UsageSlot)
	n       int64  // requests
	ngroups int    // groups over all keys (bounded by maxGroups)
	keys    map[string]*keyPending
	errors  []store.UsageEvent
	audits  []store.UsageEvent
	tenants map[string]struct{}
}

// pendingSeq numbers the aggregates (from 1: a zero slot names none).
var pendingSeq atomic.Uint64

func newPending() *pending {
	return &pending{seq: pendingSeq.Add(1), keys: map[string]*keyPending{}, tenants: map[string]struct{}{}}
}

// group finds e's group of k, adding it unless that would pass max groups
// in all (nil then).
func (p *pending) group(k *keyPending, e *store.UsageEvent, minute int64, max int) *group {
	sh := groupShape{minute: minute, method: e.Method, route: e.Route, status: e.Status, counted: e.Counted}
	if k.last < len(k.groups) && k.groups[k.last].groupShape == sh {
		return &k.groups[k.last]
	}
	i := -1
	if k.byShape != nil {
		if j, ok := k.byShape[sh]; ok {
			i = j
		}
	} else {
		for j := range k.groups {
			if k.groups[j].groupShape == sh {
				i = j
				break
			}
		}
	}
	if i < 0 {
		if p.ngroups >= max {
			return nil
		}
		p.ngroups++
		i = len(k.groups)
		k.groups = append(k.groups, group{groupShape: sh})
		switch {
		case k.byShape != nil:
			k.byShape[sh] = i
		case len(k.groups) > fewGroups:
			k.byShape = make(map[groupShape]int, 2*fewGroups)
			for j := range k.groups {
				k.byShape[k.groups[j].groupShape] = j
			}
		}
	}
	k.last = i
	return &k.groups[i]
}

// add folds e in; it reports whether e's full error record was left out
// (sampled) and whether e was dropped altogether.
func (p *pending) add(e *store.UsageEvent, samples map[sampleKey]int, groupsMax int) (sampled, dropped bool) {
	sec := e.At.Unix()
	minute := sec - sec%60
	var k *keyPending
	if s := e.Slot; s != nil && s.Batch == p.seq {
		k = s.Key.(*keyPending)
	} else {
		if k = p.keys[e.KeyID]; k == nil {
			if p.ngroups >= groupsMax {
				return false, true
			}
			k = &keyPending{tenantID: e.TenantID}
			p.keys[e.KeyID] = k
			p.tenants[e.TenantID] = struct{}{}
		}
		if s != nil {
			s.Batch, s.Key = p.seq, k
		}
	}
	g := p.group(k, e, minute, groupsMax)
	if g == nil {
		return false, true
	}
	p.n++
	g.v.N++
	g.v.LatSum += e.LatencyUS
	g.v.H[store.HistBucket(e.LatencyUS)]++
	k.N++
	at := store.MS(e.At)
	if e.Status >= 400 {
		k.Errs++
	}
	if at >= k.LastUsed {
		k.LastUsed, k.LastIP = at, e.IP
	}
	id := k.lastIPd
	if id == nil || k.lastIP != e.IP {
		if k.ips == nil {
			k.ips = map[string]*store.IPDelta{}
		}
		if id = k.ips[e.IP]; id == nil {
			id = &store.IPDelta{}
			k.ips[e.IP] = id
		}
		k.lastIP, k.lastIPd = e.IP, id
	}
	id.N++
	id.Last = max(id.Last, at)
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
	kept := *e
	kept.Slot = nil // the batch outlives the request; the slot is the key's
	p.errors = append(p.errors, kept)
	if e.Audit != nil {
		p.audits = append(p.audits, kept)
	}
	return false, false
}

// batch turns the minute groups into the rows they add at the minute
// resolution (fine) and at the coarser ones, key counters and addresses
// included (coarse).
func (p *pending) batch(fine, coarse *store.UsageBatch) {
	for id, kp := range p.keys {
		for i := range kp.groups {
			g := &kp.groups[i]
			k := store.RollupKey{TenantID: kp.tenantID, KeyID: id, Res: 60, T: g.minute, Endpoint: g.method + " " + g.route, Status: g.status}
			fine.AddRollup(k, &g.v)
			for _, res := range store.RollupRes()[1:] {
				k.Res, k.T = res, store.AlignDown(g.minute, res)
				coarse.AddRollup(k, &g.v)
			}
			if g.counted {
				fine.Totals[store.TotalKey{TenantID: kp.tenantID, KeyID: id, T: g.minute}] += g.v.N
				fine.Totals[store.TotalKey{TenantID: kp.tenantID, T: g.minute}] += g.v.N
			}
		}
		c := coarse.Keys[id]
		if c == nil {
			c = &store.KeyDelta{}
			coarse.Keys[id] = c
		}
		c.N += kp.N
		c.Errs += kp.Errs
		if kp.LastUsed >= c.LastUsed {
			c.LastUsed, c.LastIP = kp.LastUsed, kp.LastIP
		}
		for ip, d := range kp.ips {
			ik := store.IPKey{KeyID: id, IP: ip}
			c := coarse.IPs[ik]
			if c == nil {
				c = &store.IPDelta{}
				coarse.IPs[ik] = c
			}
			c.N += d.N
			c.Last = max(c.Last, d.Last)
		}
	}
	fine.Errors, fine.Audits = p.errors, p.audits
}
