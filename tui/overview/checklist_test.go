package overview

import (
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// Outside the sandbox the checklist says who did each ticked step: this
// user (a key they created) or their team; in the sandbox a line says the
// demo data ticked them.
func TestChecklistSaysWhoDidIt(t *testing.T) {
	mine := fixtureKeys()
	mine[0].CreatedBy = "admin@acme.test"
	theirs := fixtureKeys()
	for i := range theirs {
		theirs[i].CreatedBy = "dev@acme.test"
	}
	for _, c := range []struct {
		name    string
		keys    []models.APIKey
		sandbox bool
		want    []string
	}{
		{"mine", mine, false, []string{"✓ 1. Generate an API key · by you", "✓ 3. Make your first API call · by you"}},
		{"theirs", theirs, false, []string{"✓ 1. Generate an API key · by your team", "✓ 3. Make your first API call · by your team"}},
		{"sandbox", mine, true, []string{"Ticked by the sandbox's demo data.", "✓ 1. Generate an API key\n"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := loaded(t, 120, 40, c.keys, 0)
			m.ctx.Sandbox = c.sandbox
			m.version++
			v := commontest.Plain(m.View())
			for _, want := range c.want {
				if !strings.Contains(strings.ReplaceAll(v, " │", "\n"), want) && !strings.Contains(v, strings.TrimSuffix(want, "\n")+"  ") {
					t.Errorf("lacks %q:\n%s", want, v)
				}
			}
			if c.name == "mine" {
				commontest.Golden(t, m.View())
			}
		})
	}
}

// The status bar's busiest key never reads "never" here: when the live
// buckets show a key in use that the list calls unused, the list is read
// again and shows the use.
func TestBusyKeyIsNotNever(t *testing.T) {
	keys := fixtureKeys()
	keys = append(keys, models.APIKey{KeyID: "key_w", Name: "Simulator Worker", MaskedKey: "pm_test_X1C…W8Dn", Status: "active",
		CreatedAt: commontest.Now.Add(-time.Hour)})
	routes := map[string]any{"GET /api/v1/platform/api-keys": models.APIKeyList{APIKeys: keys, Total: len(keys)}}
	c := commontest.FixtureClient(t, routes)
	ctx := commontest.Context(120, 40, c)
	ctx.Active = common.PaneOverview
	m := New(ctx)
	m.SetSize(120, 40)
	commontest.Drain(t, m.Update, m.Init())
	if v := commontest.Plain(m.View()); !strings.Contains(v, "Simulator Worker") || !strings.Contains(lineOf(v, "Simulator Worker"), "never") {
		t.Fatalf("setup: %s", v)
	}
	// The server has recorded the use by now; the buckets say the worker is busy.
	used := commontest.Now.Add(-2 * time.Second)
	fresh := append([]models.APIKey(nil), keys...)
	fresh[len(fresh)-1].LastUsed, fresh[len(fresh)-1].RequestCount = &used, 12
	routes["GET /api/v1/platform/api-keys"] = models.APIKeyList{APIKeys: fresh, Total: len(fresh)}
	rl := fixtureRateLimits(0)
	rl.BusiestKeyID = "key_w"
	rl.Keys = []models.KeyRateLimit{{KeyID: "key_w", Name: "Simulator Worker", RateLimitState: bucketAt(60, 40)}}
	rl.Tenant = rl.Keys[0].RateLimitState
	commontest.Drain(t, m.Update, m.Update(common.RateLimitsMsg{Data: rl, At: commontest.Now}))
	v := commontest.Plain(m.View())
	if l := lineOf(v, "Simulator Worker"); strings.Contains(l, "never") || !strings.Contains(l, "just now") {
		t.Fatalf("the busiest key still reads never:\n%s", v)
	}
}

func lineOf(v, text string) string {
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, text) && !strings.Contains(l, "busiest") {
			return l
		}
	}
	return ""
}

// A key in its last days says so in the status column, as on the Keys
// tab; one past its expiry reads expired before the server's sweep.
func TestKeysTableShowsExpiry(t *testing.T) {
	keys := fixtureKeys()
	soon, past := commontest.Now.Add(3*time.Minute), commontest.Now.Add(-time.Minute)
	keys[0].ExpiresAt, keys[1].ExpiresAt = &soon, &past
	v := commontest.Plain(loaded(t, 120, 40, keys, 0).View())
	if l := lineOf(v, "Production App"); !strings.Contains(l, "exp 3min") {
		t.Errorf("expiring key: %q", l)
	}
	if l := lineOf(v, "Staging Server"); !strings.Contains(l, "expired") {
		t.Errorf("expired key: %q", l)
	}
}
