package usage

import (
	"testing"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// An API that leaves out empty series (the reference server zero-fills,
// others may not) gets an empty chart, not a crash.
func TestAnswerWithoutSeriesDrawsWithoutPanicking(t *testing.T) {
	for i, size := range [][2]int{{80, 24}, {200, 60}, {120, 40}} {
		ctx := commontest.Context(size[0], size[1], nil)
		ctx.Active = common.PaneUsage
		m := New(ctx)
		m.SetSize(size[0], size[1])
		data := fixture("24h", commontest.Now)
		data.Series = nil
		if i != 1 { // with and without the rate-limit series
			data.RateLimit.Series = nil
		}
		if i == 2 {
			data.Endpoints = nil
		}
		m.Update(usageMsg{Result: common.Result{Pane: common.PaneUsage, ReqID: m.poll.Start()}, params: m.Params(), data: data})
		commontest.Fits(t, m.View(), size[0], size[1])
		commontest.Press(m.Update, "left", "right")
		commontest.Fits(t, m.View(), size[0], size[1])
	}
}

// A bare answer (no range, no buckets) draws too.
func TestEmptyAnswerDrawsWithoutPanicking(t *testing.T) {
	ctx := commontest.Context(120, 40, nil)
	ctx.Active = common.PaneUsage
	m := New(ctx)
	m.SetSize(120, 40)
	m.Update(usageMsg{Result: common.Result{Pane: common.PaneUsage, ReqID: m.poll.Start()}, params: m.Params(), data: models.APIUsage{Range: "24h"}})
	commontest.Fits(t, m.View(), 120, 40)
}
