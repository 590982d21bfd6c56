package usage

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// endpointSort is one order of the endpoints table (`s` cycles them).
type endpointSort struct {
	name string
	cmp  func(a, b models.EndpointUsage) int
}

var endpointSorts = [...]endpointSort{
	{"requests ▼", func(a, b models.EndpointUsage) int { return cmp.Compare(b.Requests, a.Requests) }},
	{"errors ▼", func(a, b models.EndpointUsage) int { return cmp.Compare(b.Errors, a.Errors) }},
	{"avg latency ▼", func(a, b models.EndpointUsage) int { return cmp.Compare(b.AvgLatencyMS, a.AvgLatencyMS) }},
	{"success rate ▲", func(a, b models.EndpointUsage) int { return cmp.Compare(a.SuccessRate, b.SuccessRate) }},
	{"endpoint", func(a, b models.EndpointUsage) int { return 0 }},
}

// sortedEndpoints orders the rows by the current sort, endpoint name last.
func sortedEndpoints(rows []models.EndpointUsage, by int) []models.EndpointUsage {
	out := slices.Clone(rows)
	f := endpointSorts[by%len(endpointSorts)].cmp
	slices.SortStableFunc(out, func(a, b models.EndpointUsage) int {
		if c := f(a, b); c != 0 {
			return c
		}
		return strings.Compare(a.Endpoint, b.Endpoint)
	})
	return out
}

// tableRows renders a header and the visible window of rows; sel is
// highlighted when the table has the focus.
func (m *Model) tableRows(t tableID, focused bool, header string, row func(i int) string) []string {
	s := m.ctx.Styles
	tb := m.tables[t]
	n := m.rows(t)
	capacity := m.tableCap()
	lines := []string{s.TableHeader.Render(header)}
	for i := tb.off; i < n && i < tb.off+capacity; i++ {
		r := row(i)
		if focused && i == tb.sel {
			// Rows start with two spaces: the cursor takes them.
			r = s.Selected.Render("▸ " + strings.TrimPrefix(r, "  "))
		}
		lines = append(lines, r)
	}
	if n > capacity {
		lines = append(lines, s.Muted.Render(fmt.Sprintf("  %d–%d of %d · ↑/↓ scroll", tb.off+1, min(tb.off+capacity, n), n)))
	}
	return lines
}

// heading marks the focused section with an accent bar.
func (m *Model) heading(sec section, text, hint string) string {
	s := m.ctx.Styles
	mark := "  "
	if m.focus == sec {
		mark = s.Cursor.Render("▍ ")
	}
	h := mark + s.Heading.Render(text)
	if hint != "" {
		h += "  " + s.Muted.Render(hint)
	}
	return h
}

// endpoints renders the endpoints table.
func (m *Model) endpoints(w int) block {
	s := m.ctx.Styles
	rows := sortedEndpoints(m.data.Endpoints, m.epSort)
	head := m.heading(secEndpoints, "Endpoints", "sorted by "+endpointSorts[m.epSort].name+" · s sort")
	if len(rows) == 0 {
		return block{lines: []string{head, s.Muted.Render("  no requests")}, rowTop: -1}
	}
	const nw, rw, lw, ew = 9, 8, 9, 7
	epw := max(w-2-nw-rw-lw-ew-4, 10)
	header := "  " + common.Fit("Endpoint", epw) + " " + common.FitRight("Requests", nw) + " " + common.FitRight("Success", rw) + " " + common.FitRight("Avg", lw) + " " + common.FitRight("Errors", ew)
	lines := []string{common.Clip(head, w)}
	lines = append(lines, m.tableRows(tblEndpoints, m.focus == secEndpoints, header, func(i int) string {
		e := rows[i]
		errs := common.FitRight(common.Thousands(e.Errors), ew)
		if e.Errors > 0 {
			errs = s.Danger.Render(errs)
		}
		return "  " + common.Fit(common.Sanitize(e.Endpoint), epw) + " " + common.FitRight(common.Thousands(e.Requests), nw) + " " +
			common.FitRight(pct(e.SuccessRate), rw) + " " + common.FitRight(ms(e.AvgLatencyMS), lw) + " " + errs
	})...)
	return block{lines: lines, rowTop: 2}
}
