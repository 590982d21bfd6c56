package server

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/internal/servertest"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// newCheckedEnv is a server on the test clock whose every answer is
// validated against the contract; seed is "" or "demo".
func newCheckedEnv(t *testing.T, seed string) *testEnv {
	t.Helper()
	e := &testEnv{t: t, clock: newTestClock(), dbPath: servertest.DB(t, "pmdev.db"), wrap: newContractValidator(t).middleware}
	e.open(seed)
	t.Cleanup(e.close)
	return e
}

func (e *testEnv) key(tok, id string) models.APIKeyDetails {
	e.t.Helper()
	var d models.APIKeyDetails
	e.must("GET", "/api/v1/platform/api-keys/"+id, tok, nil, 200, &d)
	return d
}

// list reads every page of a key-list query.
func (e *testEnv) list(tok, query string, perPage int) (keys []models.APIKey, total int) {
	e.t.Helper()
	cursor := ""
	for {
		q, _ := url.ParseQuery(query)
		q.Set("per_page", fmt.Sprint(perPage))
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var l models.APIKeyList
		e.must("GET", "/api/v1/platform/api-keys?"+q.Encode(), tok, nil, 200, &l)
		if cursor == "" {
			total = l.Total
		}
		keys = append(keys, l.APIKeys...)
		if cursor = l.NextCursor; cursor == "" {
			return keys, total
		}
	}
}

func recCodes(k models.APIKey) []string {
	var out []string
	for _, r := range k.Recommendations {
		out = append(out, r.Code)
	}
	return out
}

func ids(keys []models.APIKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.KeyID
	}
	return out
}

// A key used every day turns "due for rotation" between day 89 and day
// 91, in its details and in the list's attention filter.
func TestRotationAdviceArrivesAfterNinetyDays(t *testing.T) {
	e := newCheckedEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Daily", Permissions: []string{"read_campaigns"}})
	if got := recCodes(k.APIKey); !slices.Equal(got, []string{models.RecLiveWithoutExpiry}) || k.NeedsAttention {
		t.Fatalf("new live key: %v, attention %v", got, k.NeedsAttention)
	}
	use := func() {
		e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)
		e.s.Flush()
	}
	for _, day := range []int{89, 90} { // exactly 90 days is not older than 90
		e.clock.Advance(time.Duration(day-int(e.clock.Now().Sub(k.CreatedAt)/(24*time.Hour))) * 24 * time.Hour)
		use()
		if d := e.key(tok, k.KeyID); slices.Contains(recCodes(d.APIKey), models.RecRotationDue) || d.NeedsAttention {
			t.Fatalf("day %d: %v", day, recCodes(d.APIKey))
		}
		if l, total := e.list(tok, "needs_attention=true", 100); len(l) != 0 || total != 0 {
			t.Fatalf("day %d: %d keys need attention", day, len(l))
		}
	}
	e.clock.Advance(24 * time.Hour)
	use()
	d := e.key(tok, k.KeyID)
	if !slices.Contains(recCodes(d.APIKey), models.RecRotationDue) || !d.NeedsAttention || !strings.Contains(d.Recommendations[0].Message, "91 days old") {
		t.Fatalf("day 91: %+v", d.Recommendations)
	}
	if l, total := e.list(tok, "needs_attention=true", 100); !slices.Equal(ids(l), []string{k.KeyID}) || total != 1 {
		t.Fatalf("day 91: attention list %v (total %d)", ids(l), total)
	}
	// Rotating resolves it: the new key's age starts again.
	var rot models.CreatedAPIKey
	e.must("POST", "/api/v1/platform/api-keys/"+k.KeyID+"/regenerate", tok, models.RegenerateRequest{}, 200, &rot)
	if slices.Contains(recCodes(rot.APIKey), models.RecRotationDue) || len(e.key(tok, k.KeyID).Recommendations) != 0 {
		t.Fatalf("after rotation: new %v, old %v", recCodes(rot.APIKey), recCodes(e.key(tok, k.KeyID).APIKey))
	}
}

// A test key is flagged from 10,000 requests in the last 24 hours, not at 9,999.
func TestTestKeyVolumeThreshold(t *testing.T) {
	e := newCheckedEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "CI", Environment: models.EnvTest, Permissions: []string{"read_campaigns"}})
	tenant := e.tenantOf(k.KeyID)
	add := func(hoursAgo int, n int64) {
		b := store.NewUsageBatch()
		at := store.AlignDown(e.clock.Now().Unix(), 3600) - int64(hoursAgo)*3600
		b.AddRollup(store.RollupKey{TenantID: tenant, KeyID: k.KeyID, Res: 3600, T: at, Endpoint: "GET /api/v1/campaigns", Status: 200}, &store.RollupVal{N: n})
		if err := e.s.st.WriteUsage(context.Background(), e.s.db, b); err != nil {
			t.Fatal(err)
		}
	}
	add(25, 50_000) // before the window: not counted
	add(24, 4_000)  // the hour that began 24 hours ago: counted
	add(0, 5_999)
	flagged := func() bool {
		l, _ := e.list(tok, "needs_attention=true", 100)
		in := slices.Contains(recCodes(e.key(tok, k.KeyID).APIKey), models.RecTestKeyVolume)
		if in != (len(l) == 1) {
			t.Fatalf("details say %v, the attention list holds %d keys", in, len(l))
		}
		return in
	}
	if flagged() {
		t.Fatal("9,999 requests flagged")
	}
	add(0, 1)
	if !flagged() {
		t.Fatal("10,000 requests not flagged")
	}
}

// A revoked key that is still called, and refused, is reported with the
// refusals counted and the caller's address, for 7 days after the last
// call; so is an expired one.
func TestRetiredKeyStillCalledIsReported(t *testing.T) {
	e := newCheckedEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Old cron", Permissions: []string{"read_campaigns"}})
	e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)
	e.must("DELETE", "/api/v1/platform/api-keys/"+k.KeyID, tok, nil, 200, nil)
	e.s.Flush()
	if d := e.key(tok, k.KeyID); len(d.Recommendations) != 0 {
		t.Fatalf("revoked, not called since: %v", recCodes(d.APIKey))
	}
	e.clock.Advance(time.Hour)
	for range 2 {
		if p := e.do("GET", "/api/v1/campaigns", k.Plaintext, nil).prob(t); p.Error != "key_revoked" {
			t.Fatalf("revoked key answered %+v", p)
		}
	}
	e.s.Flush()
	d := e.key(tok, k.KeyID)
	if got := recCodes(d.APIKey); !slices.Equal(got, []string{models.RecRetiredKeyStillUsed}) || !d.NeedsAttention {
		t.Fatalf("revoked, called: %v", got)
	}
	if msg := d.Recommendations[0].Message; !strings.Contains(msg, "2 requests were refused") || !strings.Contains(msg, "127.0.0.1") {
		t.Fatalf("message %q", msg)
	}
	if l, _ := e.list(tok, "sort=attention", 100); len(l) == 0 || l[0].KeyID != k.KeyID {
		t.Fatalf("attention sort does not lead with the high one: %v", ids(l))
	}
	e.clock.Advance(7*24*time.Hour + time.Minute)
	if d := e.key(tok, k.KeyID); len(d.Recommendations) != 0 {
		t.Fatalf("7 days after the last call: %v", recCodes(d.APIKey))
	}

	exp := e.clock.Now().Add(time.Hour)
	x := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Temp", Permissions: []string{"read_campaigns"}, ExpiresAt: &exp})
	e.clock.Advance(2 * time.Hour)
	if p := e.do("GET", "/api/v1/campaigns", x.Plaintext, nil).prob(t); p.Error != "key_expired" {
		t.Fatalf("expired key answered %+v", p)
	}
	e.s.Flush()
	if r := e.key(tok, x.KeyID).Recommendations; len(r) != 1 || r[0].Code != models.RecRetiredKeyStillUsed || !strings.HasPrefix(r[0].Message, "Expired on") {
		t.Fatalf("expired, called: %+v", r)
	}
}

// On the demo data: every rule shows at least once; the attention filter
// and sort rank keys exactly as their recommendations do, page after
// page; and the search finds what the list shows.
func TestDemoKeysAttentionAndSearch(t *testing.T) {
	e := newCheckedEnv(t, "demo")
	tok, err := e.s.MintToken(context.Background(), "admin@acme.test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := e.list(tok, "", 1000)
	seen := map[string]string{}
	var want []string
	for _, k := range all {
		for _, r := range k.Recommendations {
			seen[r.Code] = k.Name
		}
		if k.NeedsAttention {
			want = append(want, k.KeyID)
		}
	}
	for _, code := range []string{models.RecRotationDue, models.RecUnused, models.RecAdminWithoutIPs, models.RecLiveWithoutExpiry,
		models.RecTestKeyVolume, models.RecRetiredKeyStillUsed} {
		if seen[code] == "" {
			t.Errorf("the demo shows no %s", code)
		}
	}
	var names []string
	for _, k := range all {
		if k.NeedsAttention {
			names = append(names, k.Name)
		}
	}
	// Each case once, and nothing else: an expired key whose traffic
	// ended with its expiry is not "still used".
	if slices.Sort(names); !slices.Equal(names, []string{"CI Pipeline", "Legacy Integration", "Production Server", "Staging Environment"}) {
		t.Errorf("demo keys needing attention: %v", names)
	}
	got, total := e.list(tok, "needs_attention=true", 2)
	if slices.Sort(want); total != len(want) || !slices.Equal(slices.Sorted(slices.Values(ids(got))), want) {
		t.Fatalf("attention filter %v (total %d), keys needing attention %v", ids(got), total, want)
	}
	rank := func(k models.APIKey) int {
		r := 0
		for _, rec := range k.Recommendations {
			r = max(r, map[string]int{models.SeverityHigh: 2, models.SeverityMedium: 1}[rec.Severity])
		}
		return r
	}
	for _, sort := range []string{"attention", "requests"} {
		paged, _ := e.list(tok, "sort="+sort, 2)
		whole, _ := e.list(tok, "sort="+sort, 1000)
		if !slices.Equal(ids(paged), ids(whole)) || len(whole) != len(all) {
			t.Fatalf("sort=%s: pages of 2 %v, one page %v", sort, ids(paged), ids(whole))
		}
		for i := 1; i < len(whole); i++ {
			a, b := whole[i-1], whole[i]
			if (sort == "attention" && rank(a) < rank(b)) || (sort == "requests" && a.RequestCount < b.RequestCount) {
				t.Errorf("sort=%s: %s before %s", sort, a.Name, b.Name)
			}
		}
	}
	prod := all[slices.IndexFunc(all, func(k models.APIKey) bool { return k.Name == "Production Server" })]
	head := strings.Split(prod.MaskedKey, "…")[0]
	for _, tc := range []struct {
		q     string
		match func(k models.APIKey) bool
	}{
		{head[len(head)-3:], func(k models.APIKey) bool {
			return strings.Contains(strings.ToLower(k.MaskedKey), strings.ToLower(head[len(head)-3:]))
		}},
		{"live send", func(k models.APIKey) bool {
			return k.Environment == models.EnvLive && slices.ContainsFunc(k.Permissions, func(p string) bool { return strings.HasPrefix(p, "send_") })
		}},
		{"camp:r", func(k models.APIKey) bool { return slices.Contains(k.Permissions, "read_campaigns") }},
		{"ALL!", func(k models.APIKey) bool { return slices.Contains(k.Permissions, "full_access") }},
		{"revoked", func(k models.APIKey) bool { return k.Status == models.KeyRevoked }},
		{"test expired", func(k models.APIKey) bool { return k.Environment == models.EnvTest && k.Status == models.KeyExpired }},
	} {
		var exp []string
		for _, k := range all {
			if tc.match(k) {
				exp = append(exp, k.KeyID)
			}
		}
		found, _ := e.list(tok, "q="+url.QueryEscape(tc.q), 1000)
		if len(exp) == 0 || !slices.Equal(slices.Sorted(slices.Values(ids(found))), slices.Sorted(slices.Values(exp))) {
			t.Errorf("q=%q found %d keys, want %d", tc.q, len(found), len(exp))
		}
	}
}
