package webhooks

import (
	"net/http"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

func forbidden() error {
	return &client.Error{Kind: client.KindHTTP, Status: http.StatusForbidden,
		Problem: &models.Problem{Status: 403, Error: "insufficient_role", Message: "Your role (member) cannot use developer settings"}}
}

// A member gets one clear screen, and actions explain instead of opening forms.
func TestMemberSeesPermissionScreenAndNoForms(t *testing.T) {
	m := testModel(t, 80, 24, nil)
	m.loaded = false
	m.ctx.Me = models.Me{Email: "viewer@acme.test", Role: models.RoleMember}
	m.poller.Start()
	m.Update(listMsg{Result: res(m.poller.Start()), err: forbidden()})
	v := commontest.Plain(checkSize(t, m))
	if !strings.Contains(v, "your role (member) cannot manage webhooks") || strings.Contains(v, "0 endpoints") {
		t.Fatalf("permission screen missing or misleading:\n%s", v)
	}
	if !strings.Contains(v, "admin or developer") {
		t.Fatalf("screen does not say which roles can:\n%s", v)
	}
	press(m, "n")
	if m.wizardD() != nil {
		t.Fatal("n opened the create wizard for a member")
	}
	if len(m.KeyMap().ShortHelp()) != 0 {
		t.Fatal("help line offers actions the role cannot use")
	}
	commontest.Golden(t, checkSize(t, m))
}
