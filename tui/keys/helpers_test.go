package keys

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/component/dialog"
	"github.com/penguinmails/pmdev/tui/keys/wizard"
)

func TestMain(m *testing.M) { commontest.Main(m) }

// fakeKeys returns n deterministic keys, newest first, spread over a year.
func fakeKeys(n int) []models.APIKey {
	now := commontest.Now
	names := []string{"Production Server", "Staging Environment", "CI pipeline", "Marketing site", "Billing worker", "Analytics export"}
	perms := [][]string{
		{"send_email", "send_bulk_email", "read_analytics"},
		{"read_campaigns", "read_contacts", "read_analytics", "read_inbox"},
		{"send_email"},
		{"send_email", "write_campaigns", "write_contacts", "manage_webhooks"},
	}
	out := make([]models.APIKey, n)
	for i := range out {
		created := now.Add(-time.Duration(i+1) * 37 * time.Minute * time.Duration(1+i%7))
		k := models.APIKey{
			KeyID:        fmt.Sprintf("key_%06d", i),
			Name:         fmt.Sprintf("%s %d", names[i%len(names)], i),
			Environment:  models.EnvLive,
			MaskedKey:    fmt.Sprintf("pm_live_a%02d…%04d", i%100, i%10000),
			Permissions:  perms[i%len(perms)],
			RateLimit:    300,
			Status:       models.KeyActive,
			CreatedAt:    created,
			CreatedBy:    "admin@acme.test",
			RequestCount: int64(i*7919) % 100000,
			ErrorCount:   int64(i*13) % 500,
		}
		if i%3 == 0 {
			lu := now.Add(-time.Duration(i%50) * time.Hour)
			k.LastUsed = &lu
			k.LastUsedIP = "203.0.113.7"
		}
		switch i % 11 {
		case 4:
			k.Status = models.KeyRevoked
			t := created.Add(time.Hour)
			k.RevokedAt = &t
		case 7:
			k.Environment = models.EnvTest
			k.MaskedKey = fmt.Sprintf("pm_test_b%02d…%04d", i%100, i%10000)
		case 9:
			t := now.Add(-time.Hour)
			k.ExpiresAt = &t
		case 10:
			t := now.Add(23*time.Hour + 10*time.Minute)
			k.ExpiresAt = &t
			k.ReplacedBy = "key_next"
		}
		// The server's advice: some keys need attention, high or medium.
		k.Recommendations = []models.KeyRecommendation{}
		switch {
		case k.Status == models.KeyActive && i%5 == 1:
			k.Recommendations = []models.KeyRecommendation{{Code: models.RecRotationDue, Severity: models.SeverityMedium,
				Message: "120 days old and never rotated: rotate keys at least every 90 days.", Action: models.ActionRotate}}
		case k.Status == models.KeyActive && i%5 == 3:
			k.Recommendations = []models.KeyRecommendation{{Code: models.RecAdminWithoutIPs, Severity: models.SeverityHigh,
				Message: "Holds full_access, yet any address may use it: add an IP allow-list.", Action: models.ActionSetAllowedIPs}}
		}
		k.NeedsAttention = len(k.Recommendations) > 0
		out[i] = k
	}
	return out
}

// testModel is a pane with data and no client (pure view/update tests).
func testModel(t testing.TB, w, h int, keys []models.APIKey) *Model {
	t.Helper()
	ctx := commontest.Context(w, h, nil)
	ctx.Active = common.PaneKeys
	m := New(ctx)
	var pages [][]models.APIKey
	for len(keys) > perPage {
		pages = append(pages, keys[:perPage])
		keys = keys[perPage:]
	}
	pages = append(pages, keys)
	m.Update(keysLoadedMsg{Result: res(m.poller.Start()), pages: pages})
	return m
}

func press(m *Model, keys ...string) tea.Cmd { return commontest.Press(m.Update, keys...) }

func keyMsg(s string) tea.KeyPressMsg { return commontest.Key(s) }

// typeText sends each rune as a key press.
func typeText(m *Model, s string) { commontest.Type(m.Update, s) }

// Wizard steps, as wizard.Model.Step reports them.
const (
	stepBasic = iota
	stepPerms
	stepExpiry
	stepIPs
)

func (m *Model) onceD() *showOnce      { d, _ := dialog.Find[*showOnce](&m.dialogs); return d }
func (m *Model) rotateD() *rotateModal { d, _ := dialog.Find[*rotateModal](&m.dialogs); return d }
func (m *Model) revokeD() *revokeModal { d, _ := dialog.Find[*revokeModal](&m.dialogs); return d }
func (m *Model) detailsD() *details    { d, _ := dialog.Find[*details](&m.dialogs); return d }
func (m *Model) wiz() *wizard.Model    { d, _ := dialog.Find[*wizard.Model](&m.dialogs); return d }

// submitAs presses enter on the wizard's last step so that it sends request
// id (to an API that is never called: commands are not run).
func submitAs(t *testing.T, m *Model, id uint64) {
	t.Helper()
	m.ctx.Client = commontest.Unreachable()
	for m.seq+1 < id {
		m.nextID()
	}
	press(m, "enter")
	if w := m.wiz(); w == nil || w.ReqID() != id || !w.Submitting() {
		t.Fatalf("wizard did not submit request %d", id)
	}
}

// flat is the plain view with every run of whitespace made one space, so a
// sentence wrapped inside a dialog can be matched whole.
func flat(m *Model) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(commontest.Plain(m.View()), "│", " ")), " ")
}

func (m *Model) graceD() *graceModal { d, _ := dialog.Find[*graceModal](&m.dialogs); return d }
