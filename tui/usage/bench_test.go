package usage

import (
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// BenchmarkUsageView renders the pane at 200×60 holding 30 days of data:
// the preset (120 six-hour buckets) and a custom 30 days at one hour (720
// buckets, downsampled). "steady" is a frame with nothing changed (the
// common case), "cursor" a frame after ←, "newdata" a frame after a poll
// brought new data (every chart replotted).
func BenchmarkUsageView(b *testing.B) {
	for _, tc := range []struct {
		name string
		data models.APIUsage
	}{
		{"30d", fixture(models.Range30d, commontest.Now)},
		{"30d_hourly", fixtureN(models.RangeCustom, commontest.Now, time.Hour, 720)},
	} {
		m := loaded(models.Range30d, 200, 60)
		deliver(m, tc.data)
		b.Run(tc.name+"/steady", func(b *testing.B) {
			for b.Loop() {
				_ = m.View()
			}
		})
		b.Run(tc.name+"/cursor", func(b *testing.B) {
			for b.Loop() {
				m.moveCursor(-1)
				if m.cursor == 0 {
					m.cursor = len(m.data.Series) - 1
				}
				_ = m.View()
			}
		})
		b.Run(tc.name+"/newdata", func(b *testing.B) {
			for b.Loop() {
				m.version++
				_ = m.View()
			}
		})
	}
}
