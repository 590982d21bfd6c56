package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// TestAuthorizationMatrix sends every management route to every kind of
// principal, on a key holding an admin-only permission and on an ordinary
// one, through the contract harness. A fresh key for every change keeps
// the cells independent; a refused change must leave the key untouched and
// no refusal may carry a key's secret.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	cs := newLocalHooksServer(t)
	add := func(email, role, tenant string) string {
		return cs.AddUser(t, NewUser{Email: email, Role: role, Tenant: tenant})
	}
	adminA := add("admin@a.test", models.RoleAdmin, "A")
	devA := add("dev@a.test", models.RoleDeveloper, "A")
	memberA := add("member@a.test", models.RoleMember, "A")
	adminB := add("admin@b.test", models.RoleAdmin, "B")
	devB := add("dev@b.test", models.RoleDeveloper, "B")
	mintedDev, err := cs.Server.MintToken(context.Background(), "dev@a.test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path, tok string, body any) apiResp {
		t.Helper()
		return call(t, cs.URL, method, path, tok, body)
	}
	newKey := func(perms ...string) models.CreatedAPIKey {
		t.Helper()
		var k models.CreatedAPIKey
		r := do("POST", "/api/v1/platform/api-keys", adminA, models.CreateAPIKeyRequest{Name: "Matrix", Permissions: perms})
		expectStatus(t, "create target", r, 201)
		r.decode(t, &k)
		return k
	}
	apiKey := newKey("send_email").Plaintext
	var wh models.CreatedWebhook
	r := do("POST", "/api/v1/platform/webhooks", adminA, map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"email.sent"}})
	expectStatus(t, "create webhook", r, 201)
	r.decode(t, &wh)

	principals := []struct {
		name, tok string
		// want is the status class of this principal on a route of tenant A:
		// 0 = allowed, else the refusal every such route answers.
		refuse int
		admin  bool
	}{
		{"no token", "", 401, false},
		{"unknown token", "pm_pat_nope", 401, false},
		{"API key as token", apiKey, 401, false},
		{"member A", memberA, 403, false},
		{"admin B", adminB, 404, true},
		{"developer B", devB, 404, false},
		{"developer A", devA, 0, false},
		{"developer A via SSH", mintedDev, 0, false},
		{"admin A", adminA, 0, true},
	}
	type route struct {
		method, path string // {id} is the target key, {wh} the webhook
		body         any
		ok           int
		change       string // non-empty: changes the key (verb of the 403)
		list         bool   // a listing: other tenants get 200 (their own, empty, data)
	}
	routes := []route{
		{"GET", "/api/v1/platform/api-keys", nil, 200, "", true},
		{"POST", "/api/v1/platform/api-keys", map[string]any{"name": "New", "permissions": []string{"read_campaigns"}}, 201, "", true},
		{"GET", "/api/v1/platform/api-keys/{id}", nil, 200, "", false},
		{"GET", "/api/v1/platform/api-keys/{id}/security", nil, 200, "", false},
		{"PATCH", "/api/v1/platform/api-keys/{id}", map[string]any{"name": "Renamed"}, 200, "edit", false},
		{"DELETE", "/api/v1/platform/api-keys/{id}", nil, 200, "revoke", false},
		{"POST", "/api/v1/platform/api-keys/{id}/regenerate", map[string]any{"grace_period_hours": 0}, 200, "regenerate", false},
		{"GET", "/api/v1/platform/rate-limits", nil, 200, "", true},
		{"GET", "/api/v1/tenant/analytics/api-usage?key_id={id}", nil, 200, "", false},
		{"GET", "/api/v1/tenant/analytics/api-usage/errors?range=1h", nil, 200, "", true},
		{"GET", "/api/v1/platform/webhooks", nil, 200, "", true},
		{"GET", "/api/v1/platform/webhooks/{wh}", nil, 200, "", false},
		{"PATCH", "/api/v1/platform/webhooks/{wh}", map[string]any{"description": "matrix"}, 200, "", false},
		{"GET", "/api/v1/platform/webhooks/{wh}/deliveries", nil, 200, "", false},
	}
	// Reads share one key per target; changes get a fresh one per cell.
	shared := map[string]models.CreatedAPIKey{"full_access": newKey("read_campaigns", "full_access"), "send_email": newKey("read_campaigns", "send_email")}
	cells := 0
	for _, rt := range routes {
		for _, target := range []string{"full_access", "send_email"} {
			for _, p := range principals {
				k := shared[target]
				if rt.change != "" {
					k = newKey("read_campaigns", target)
				}
				path := strings.NewReplacer("{id}", k.KeyID, "{wh}", wh.ID).Replace(rt.path)
				want, adminRefusal := rt.ok, false
				switch {
				case p.refuse == 404 && rt.list:
					want = 200
				case p.refuse != 0:
					want = p.refuse
				case rt.change != "" && target == "full_access" && !p.admin:
					want, adminRefusal = 403, true
				}
				if rt.list && p.refuse == 404 && rt.method == "POST" {
					want = 201
				}
				what := fmt.Sprintf("%s %s on a %s key as %s", rt.method, rt.path, target, p.name)
				r := do(rt.method, path, p.tok, rt.body)
				cells++
				expectStatus(t, what, r, want)
				if r.status >= 400 && strings.Contains(string(r.body), models.PrefixLive) {
					t.Errorf("%s: the refusal carries a key: %s", what, redactSecrets(string(r.body)))
				}
				if p.refuse == 403 {
					if pr := r.problem(t); pr.Error != "insufficient_role" {
						t.Errorf("%s: %+v, want insufficient_role", what, pr)
					}
				}
				if adminRefusal {
					pr := r.problem(t)
					wantMsg := "Only admins can " + rt.change + " a key holding the full_access permission"
					if pr.Error != "insufficient_permissions" || pr.Permission != "full_access" || pr.Message != wantMsg {
						t.Errorf("%s: %+v, want insufficient_permissions naming full_access: %q", what, pr, wantMsg)
					}
					checkUntouched(t, do, adminA, k)
				}
			}
		}
	}
	if want := len(routes) * 2 * len(principals); cells != want {
		t.Fatalf("%d cells, want %d", cells, want)
	}
	t.Logf("authorization matrix: %d routes × 2 targets × %d principals = %d cells", len(routes), len(principals), cells)

	// An admin may hand the key back to developers by dropping the admin
	// permission; from then on the developer may rotate it.
	k := newKey("read_campaigns", "full_access")
	expectStatus(t, "admin drops full_access", do("PATCH", "/api/v1/platform/api-keys/"+k.KeyID, adminA, map[string]any{"permissions": []string{"read_campaigns"}}), 200)
	expectStatus(t, "developer rotates it now", do("POST", "/api/v1/platform/api-keys/"+k.KeyID+"/regenerate", devA, nil), 200)
}

// checkUntouched fails unless key k is still active, unrenamed and unrotated.
func checkUntouched(t *testing.T, do func(method, path, tok string, body any) apiResp, admin string, k models.CreatedAPIKey) {
	t.Helper()
	var d models.APIKeyDetails
	r := do("GET", "/api/v1/platform/api-keys/"+k.KeyID, admin, nil)
	if r.status != http.StatusOK {
		t.Fatalf("get %s: %d", k.KeyID, r.status)
	}
	r.decode(t, &d)
	if d.Status != models.KeyActive || d.Name != k.Name || d.ReplacedBy != "" || d.RevokedAt != nil {
		t.Errorf("refused change still changed the key: %+v", d.APIKey)
	}
}
