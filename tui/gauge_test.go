package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// The gauge reads the same in the status bar and the Overview card, with
// the word that matches the bar: the bar is what is spent, so an idle
// bucket is an empty bar saying "0/500 spent" — never an empty bar
// labelled "full" — and a busy one fills as it is spent.
func TestGaugeWordsMatchTheBar(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		for _, noColor := range []bool{false, true} {
			t.Run(fmt.Sprintf("%dx%d_nocolor=%v", size[0], size[1], noColor), func(t *testing.T) {
				m := fixtureRoot(t, size[0], size[1], fixtureKeys())
				m.ctx.NoColor = noColor
				plan := m.ctx.Me.Tenant.Plan
				send(m, common.RateLimitsMsg{Data: models.RateLimits{Plan: plan, At: commontest.Now,
					Tenant: models.RateLimitState{Limit: 300, Burst: 500, Remaining: 500, ResetAt: commontest.Now}}, At: commontest.Now})
				m.rlData = &models.RateLimits{Plan: plan, At: commontest.Now, Tenant: models.RateLimitState{Limit: 300, Burst: 500, Remaining: 500, ResetAt: commontest.Now}}
				frame := commontest.Plain(m.render())
				for _, bad := range []string{"full in", "full ·", "· full", "bucket "} {
					if strings.Contains(frame, bad) {
						t.Fatalf("idle gauge says %q:\n%s", bad, frame)
					}
				}
				if strings.Count(frame, "0/500 spent") != 2 {
					t.Fatalf("idle gauge words:\n%s", frame)
				}
				empty := "░"
				if noColor {
					empty = "·"
				}
				if !strings.Contains(frame, empty+" 0/500 spent") || strings.Contains(frame, "█ 0/500") {
					t.Fatalf("idle bar is not empty:\n%s", frame)
				}
				commontest.Golden(t, m.render())
			})
		}
	}
}
