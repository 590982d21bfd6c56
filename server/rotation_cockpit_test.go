package server

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// A key idle before its rotation is not safe to cut off at once: its
// clients may call rarely, so the quiet hour counts from the rotation.
func TestIdleKeyIsSafeOnlyAnHourAfterItsRotation(t *testing.T) {
	e := newCheckedEnv(t, "")
	tok := e.addUser("dev@a.test", models.RoleDeveloper, "A", "")
	old := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Nightly", Permissions: []string{"read_campaigns"}})
	e.clock.Advance(5 * time.Hour) // never used, long idle
	var nk models.CreatedAPIKey
	e.must("POST", "/api/v1/platform/api-keys/"+old.KeyID+"/regenerate", tok, models.RegenerateRequest{GracePeriodHours: new(24)}, 200, &nk)
	for _, wait := range []struct {
		by   time.Duration
		safe bool
	}{{0, false}, {59 * time.Minute, false}, {2 * time.Minute, true}} {
		e.clock.Advance(wait.by)
		if got := e.key(tok, nk.KeyID).Rotation.SafeToEndGrace; got != wait.safe {
			t.Fatalf("%v after the rotation: safe %v, want %v", e.clock.Now().Sub(old.CreatedAt.Add(5*time.Hour)).Round(time.Minute), got, wait.safe)
		}
	}
}

// The cockpit counts real requests through both keys from the rotation on,
// on either key's page; says when the old key has been quiet for an hour;
// and its grace can be extended (within bounds) and ended, which cuts the
// old key off.
func TestRotationCockpitCountsRealRequests(t *testing.T) {
	e := newCheckedEnv(t, "")
	tok := e.addUser("dev@a.test", models.RoleDeveloper, "A", "")
	old := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Checkout", Permissions: []string{"read_campaigns"}})
	call := func(plain string, n int) {
		t.Helper()
		for range n {
			e.must("GET", "/api/v1/campaigns", plain, nil, 200, nil)
		}
	}
	call(old.Plaintext, 4) // before the rotation: not counted as since
	e.s.Flush()
	if d := e.key(tok, old.KeyID); d.Rotation != nil || d.RotationTraffic != nil {
		t.Fatalf("a key in no rotation has one: %+v", d.Rotation)
	}
	e.clock.Advance(time.Minute)
	var nk models.CreatedAPIKey
	e.must("POST", "/api/v1/platform/api-keys/"+old.KeyID+"/regenerate", tok, models.RegenerateRequest{GracePeriodHours: new(24)}, 200, &nk)
	rotatedAt := e.clock.Now()
	e.clock.Advance(2 * time.Minute)
	call(old.Plaintext, 3)
	call(nk.Plaintext, 5)
	e.s.Flush()

	var pictures []models.KeyRotation
	for _, id := range []string{old.KeyID, nk.KeyID} {
		d := e.key(tok, id)
		if d.Rotation == nil || d.RotationTraffic == nil {
			t.Fatalf("key %s shows no rotation", id)
		}
		pictures = append(pictures, *d.Rotation)
		var oldN, newN int64
		for _, b := range d.RotationTraffic.Buckets {
			oldN, newN = oldN+b.Old, newN+b.New
		}
		// Minute buckets from the rotation's minute: the 4 earlier
		// requests were a minute before it.
		if d.RotationTraffic.BucketSeconds != 60 || oldN != 3 || newN != 5 {
			t.Errorf("traffic of %s: %ds buckets, old %d, new %d", id, d.RotationTraffic.BucketSeconds, oldN, newN)
		}
	}
	r := pictures[0]
	if pictures[1].OldKeyID != r.OldKeyID || pictures[1].OldRequestsSinceRotation != r.OldRequestsSinceRotation {
		t.Errorf("the two keys show different rotations: %+v / %+v", pictures[0], pictures[1])
	}
	if r.OldKeyID != old.KeyID || r.NewKeyID != nk.KeyID || !r.RotatedAt.Equal(rotatedAt.Truncate(time.Millisecond)) ||
		!r.OldKeyExpiresAt.Equal(rotatedAt.Add(24*time.Hour).Truncate(time.Millisecond)) || !r.GraceMaxExpiresAt.Equal(rotatedAt.Add(168*time.Hour).Truncate(time.Millisecond)) {
		t.Errorf("rotation link and times: %+v", r)
	}
	if r.OldRequestsSinceRotation != 3 || r.NewRequestsSinceRotation != 5 || r.OldRequestsLastHour != 7 {
		t.Errorf("counters: old %d since, new %d, old in the last hour %d (want 3, 5, 7)", r.OldRequestsSinceRotation, r.NewRequestsSinceRotation, r.OldRequestsLastHour)
	}
	if r.OldLastUsedAt == nil || !r.OldLastUsedAt.Equal(e.clock.Now().Truncate(time.Millisecond)) || len(r.OldRecentIPs) != 1 || r.OldRecentIPs[0].IP != "127.0.0.1" {
		t.Errorf("old key's last use %v from %+v", r.OldLastUsedAt, r.OldRecentIPs)
	}
	if r.SafeToEndGrace || r.QuietPeriodSeconds != 3600 {
		t.Errorf("safe to end grace right after use: %+v", r)
	}
	e.clock.Advance(59 * time.Minute)
	if e.key(tok, nk.KeyID).Rotation.SafeToEndGrace {
		t.Error("safe after 59 quiet minutes")
	}
	e.clock.Advance(2 * time.Minute)
	if q := e.key(tok, nk.KeyID).Rotation; !q.SafeToEndGrace || q.OldRequestsLastHour != 0 {
		t.Errorf("after 61 quiet minutes: safe %v, last hour %d", q.SafeToEndGrace, q.OldRequestsLastHour)
	}

	// Extend from the new key's page, within the 168 hours.
	var ext models.APIKey
	e.must("POST", "/api/v1/platform/api-keys/"+nk.KeyID+"/grace/extend", tok, models.ExtendGraceRequest{Hours: 48}, 200, &ext)
	if ext.KeyID != old.KeyID || !ext.ExpiresAt.Equal(r.OldKeyExpiresAt.Add(48*time.Hour)) || ext.Status != models.KeyActive {
		t.Fatalf("extended: %s expires %v", ext.KeyID, ext.ExpiresAt)
	}
	p := e.do("POST", "/api/v1/platform/api-keys/"+old.KeyID+"/grace/extend", tok, models.ExtendGraceRequest{Hours: 97}).prob(t)
	if p.Status != 400 || !strings.Contains(p.Message, "at most 96 hours more") {
		t.Fatalf("beyond 168 hours: %+v", p)
	}
	call(old.Plaintext, 1)
	e.s.Flush()
	if q := e.key(tok, old.KeyID).Rotation; q.SafeToEndGrace || q.OldRequestsLastHour != 1 {
		t.Fatalf("after one more request: safe %v, last hour %d", q.SafeToEndGrace, q.OldRequestsLastHour)
	}

	// End it: the old key stops at once, both audit logs say so.
	var ended models.APIKey
	e.must("POST", "/api/v1/platform/api-keys/"+nk.KeyID+"/grace/end", tok, nil, 200, &ended)
	if ended.KeyID != old.KeyID || ended.Status != models.KeyExpired {
		t.Fatalf("ended: %+v", ended)
	}
	if p := e.do("GET", "/api/v1/campaigns", old.Plaintext, nil).prob(t); p.Error != "key_expired" {
		t.Fatalf("old key after the grace ended: %+v", p)
	}
	call(nk.Plaintext, 1)
	if d := e.key(tok, nk.KeyID); d.Rotation != nil {
		t.Fatalf("rotation still shown after its grace ended: %+v", d.Rotation)
	}
	for _, id := range []string{old.KeyID, nk.KeyID} {
		var sec models.KeySecurity
		e.must("GET", "/api/v1/platform/api-keys/"+id+"/security", tok, nil, 200, &sec)
		var actions []string
		for _, ev := range sec.AuditEvents {
			actions = append(actions, ev.Action)
		}
		if !slices.Contains(actions, "grace_extended") || !slices.Contains(actions, "grace_ended") {
			t.Errorf("audit of %s: %v", id, actions)
		}
		if id == old.KeyID && !strings.Contains(sec.AuditEvents[0].Detail, "1 request in the last hour") {
			t.Errorf("grace_ended detail %q", sec.AuditEvents[0].Detail)
		}
	}
	if p := e.do("POST", "/api/v1/platform/api-keys/"+old.KeyID+"/grace/end", tok, nil).prob(t); p.Status != 409 || p.Error != "not_in_grace" {
		t.Fatalf("ending twice: %+v", p)
	}
}

// A developer may not change the grace of a key holding an admin permission.
func TestGraceOfAdminKeyIsAdminsOnly(t *testing.T) {
	e := newCheckedEnv(t, "")
	admin := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	dev := e.addUser("dev@a.test", models.RoleDeveloper, "A", "")
	k := e.createKey(admin, models.CreateAPIKeyRequest{Name: "Ops", Permissions: []string{"manage_api_keys"}, AllowedIPs: []string{"203.0.113.0/24"}})
	e.must("POST", "/api/v1/platform/api-keys/"+k.KeyID+"/regenerate", admin, models.RegenerateRequest{}, 200, nil)
	for _, path := range []string{"/grace/extend", "/grace/end"} {
		p := e.do("POST", "/api/v1/platform/api-keys/"+k.KeyID+path, dev, models.ExtendGraceRequest{Hours: 1}).prob(t)
		if p.Status != 403 || p.Permission != "manage_api_keys" {
			t.Errorf("developer %s: %+v", path, p)
		}
	}
	e.must("POST", "/api/v1/platform/api-keys/"+k.KeyID+"/grace/end", admin, nil, 200, nil)
}
