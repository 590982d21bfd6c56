package server

import (
	"os"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
)

// TestContractErrorCodesAndNameRule: the 403 code and the key-name rule the
// server applies are the ones the contract documents.
func TestContractErrorCodesAndNameRule(t *testing.T) {
	raw, err := readContract()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, "")
	admin := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	dev := e.addUser("dev@a.test", models.RoleDeveloper, "A", "")
	k := e.createKey(admin, models.CreateAPIKeyRequest{Name: "Café prod-1_v2.0", Permissions: []string{"read_campaigns"}})
	if k.Name != "Café prod-1_v2.0" {
		t.Fatalf("name %q", k.Name)
	}
	p := e.do("POST", "/api/v1/emails/send", k.Plaintext, sendBody()).prob(t)
	if p.Status != 403 || p.Permission != "send_email" {
		t.Fatalf("missing permission: %+v", p)
	}
	p2 := e.do("POST", "/api/v1/platform/api-keys", dev, models.CreateAPIKeyRequest{Name: "x", Permissions: []string{"manage_billing"}}).prob(t)
	if p2.Status != 403 || p2.Permission != "manage_billing" || p2.Error != p.Error {
		t.Fatalf("developer granting admin permission: %+v (product 403 code %q)", p2, p.Error)
	}
	if !strings.Contains(raw, "error: "+p.Error+"\n") || strings.Contains(raw, "insufficient_permission\n") {
		t.Fatalf("contract examples do not use the server's 403 code %q", p.Error)
	}
	// A member is refused on every developer route with the same code.
	member := e.addUser("viewer@a.test", models.RoleMember, "A", "")
	for _, path := range []string{"/api/v1/platform/api-keys", "/api/v1/platform/rate-limits", "/api/v1/tenant/analytics/api-usage"} {
		if p := e.do("GET", path, member, nil).prob(t); p.Status != 403 || p.Error != "insufficient_role" {
			t.Fatalf("member GET %s: %+v", path, p)
		}
	}
	for _, bad := range []string{"a/b", "emoji 🐧", "semi;colon"} {
		p := e.do("POST", "/api/v1/platform/api-keys", admin, models.CreateAPIKeyRequest{Name: bad, Permissions: []string{"read_campaigns"}}).prob(t)
		if p.Status != 400 || !strings.Contains(p.Message, "letters, digits, spaces, hyphens, underscores and periods") {
			t.Fatalf("name %q: %+v", bad, p)
		}
	}
	if !strings.Contains(raw, `pattern: '^[\p{L}\p{Nd} ._-]+$'`) {
		t.Fatal("contract name pattern does not match the server's rule")
	}
}

func readContract() (string, error) {
	b, err := os.ReadFile(contractPath)
	return string(b), err
}
