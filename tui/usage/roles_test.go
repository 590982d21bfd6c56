package usage

import (
	"net/http"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// A member's 403 names usage (not API keys) and says how to get access
// instead of offering a retry that cannot help.
func TestRoleRefusalNamesUsageAndHowToGetAccess(t *testing.T) {
	ctx := commontest.Context(80, 20, nil)
	ctx.Active = common.PaneUsage
	ctx.Me = models.Me{Email: "viewer@acme.test", Role: models.RoleMember}
	ctx.Sandbox = true
	m := New(ctx)
	m.SetSize(80, 20)
	err := &client.Error{Kind: client.KindHTTP, Status: http.StatusForbidden,
		Problem: &models.Problem{Status: 403, Error: "insufficient_role", Message: "Your role (member) cannot use developer settings"}}
	m.Update(usageMsg{Result: common.Result{Pane: common.PaneUsage, ReqID: m.poll.Start()}, params: m.Params(), err: err})
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "your role (member) cannot view API usage") || strings.Contains(v, "manage API keys") {
		t.Fatalf("wrong action named:\n%s", v)
	}
	if strings.Contains(v, "press r to retry") || !strings.Contains(v, "--as developer") {
		t.Fatalf("offers a retry or no way to get access:\n%s", v)
	}
}
