package usage

import (
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// byKey renders the usage by key table; enter filters by the selected key.
func (m *Model) byKey(w int) block {
	s := m.ctx.Styles
	rows := m.data.ByKey
	hint := "enter filters by key"
	if m.keyID != "" {
		hint = "filtered · " + m.ctx.Keys.Usage.KeyFilter.Help().Key + " to change"
	}
	head := m.heading(secByKey, "Usage by key", hint)
	if len(rows) == 0 {
		return block{lines: []string{head, s.Muted.Render("  no key made requests in this range")}, rowTop: -1}
	}
	const nw, rw, uw = 9, 8, 15
	kw := max(w-2-nw-rw-uw-3, 10)
	header := "  " + common.Fit("Key", kw) + " " + common.FitRight("Requests", nw) + " " + common.FitRight("Success", rw) + " " + common.FitRight("Last used", uw)
	now := m.now()
	lines := []string{common.Clip(head, w)}
	lines = append(lines, m.tableRows(tblByKey, m.focus == secByKey, header, func(i int) string {
		k := rows[i]
		name := common.Sanitize(k.Name)
		if k.KeyID == m.keyID {
			name = "● " + name
		}
		// In words, not only colour, and kept when a long name is cut.
		if st := k.Status; st == models.KeyRevoked || st == models.KeyExpired {
			mark := " (" + st + ")"
			name = common.Truncate(name, max(kw-common.Width(mark), 1)) + mark
		}
		return "  " + common.Fit(name, kw) + " " + common.FitRight(common.Thousands(k.Requests), nw) + " " + common.FitRight(pct(k.SuccessRate), rw) + " " +
			common.FitRight(common.Ago(k.LastUsed, now), uw)
	})...)
	return block{lines: lines, rowTop: 2}
}
