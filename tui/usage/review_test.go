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

func TestTopAndBottomKeys(t *testing.T) {
	m := loaded(models.Range24h, 80, 20)
	press(m, "G")
	if m.scroll == 0 || m.scroll != m.maxScroll() {
		t.Fatalf("G: scroll %d of %d", m.scroll, m.maxScroll())
	}
	press(m, "g")
	if m.scroll != 0 || m.focus != secCards {
		t.Fatalf("g: scroll %d focus %v", m.scroll, m.focus)
	}
	press(m, "end")
	if m.scroll != m.maxScroll() {
		t.Fatal("end does not reach the bottom")
	}
	press(m, "home")
	if m.scroll != 0 {
		t.Fatal("home does not reach the top")
	}
}

// At 80 columns the header keeps the bucket size and the recent-errors
// table keeps which key failed.
func TestNarrowHeaderAndErrorsKeepEssentials(t *testing.T) {
	m := loaded(models.Range24h, 80, 20)
	head := strings.Split(commontest.Plain(m.View()), "\n")[1]
	if !strings.Contains(head, "15-minute") {
		t.Fatalf("header lost the bucket size: %q", head)
	}
	b := m.errorsBlock(80)
	text := commontest.Plain(strings.Join(b.lines, "\n"))
	if !strings.Contains(text, "Key") || !strings.Contains(text, "Production App") {
		t.Fatalf("recent errors lost the key column:\n%s", text)
	}
	for _, l := range b.lines {
		if w := len([]rune(commontest.Plain(l))); w > 80 {
			t.Fatalf("row is %d wide: %q", w, commontest.Plain(l))
		}
	}
}
