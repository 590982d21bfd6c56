package usage

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// statusName is "400 Bad Request", with the API's own word for 429.
func statusName(code int) string {
	switch code {
	case http.StatusTooManyRequests:
		return "429 Rate limited"
	case http.StatusInternalServerError:
		return "500 Server error"
	case http.StatusUnprocessableEntity:
		return "422 Invalid"
	}
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

// errorsBlock renders the breakdown by status as horizontal bars with
// percentages, then the recent errors table.
func (m *Model) errorsBlock(w int) block {
	s := m.ctx.Styles
	d := m.data
	var total int64
	for _, e := range d.ErrorsBy {
		total += e.Count
	}
	// The counts cover every failed request, the log only its records: the
	// server samples records during floods, so E never promises all.
	hint := common.Thousands(total) + " in range · E exports the recorded ones as CSV"
	if m.ctx.Files == nil {
		// Over SSH a file would land on the server: the CSV goes to the clipboard.
		hint = common.Thousands(total) + " in range · E copies the recorded ones as CSV"
	}
	if m.exporting {
		hint = common.Thousands(total) + " in range · exporting…"
	}
	head := m.heading(secErrors, "Errors", hint)
	lines := []string{common.Clip(head, w)}
	if e := m.exported; e != nil {
		if e.remote {
			lines = append(lines, common.Clip(s.Muted.Render(fmt.Sprintf("  last export: %d rows sent to the terminal clipboard (OSC 52)", e.n)), w))
		} else {
			lines = append(lines, common.Clip(s.Muted.Render("  last export: ")+common.Sanitize(e.path)+s.Muted.Render(fmt.Sprintf(" (%d rows)", e.n)), w))
		}
	}
	if total == 0 {
		lines = append(lines, s.Success.Render("  ✓ no errors in this range"))
	} else if int64(len(d.RecentErrors)) < total {
		for _, l := range wrap("Counts include every failed request; full records are sampled during floods, so the log may hold fewer.", w-2) {
			lines = append(lines, "  "+s.Muted.Render(l))
		}
	}
	const lw, pw, cw = 20, 7, 8
	bw := max(w-2-lw-pw-cw-3, 4)
	for _, e := range d.ErrorsBy {
		p := e.Percent
		if p == 0 && total > 0 {
			p = float64(e.Count) / float64(total) * 100
		}
		filled := int(p/100*float64(bw) + 0.5)
		if e.Count > 0 && filled == 0 {
			filled = 1
		}
		st := s.Warning
		if e.Status >= 500 {
			st = s.Danger
		}
		bar := st.Render(strings.Repeat("█", filled)) + s.Subtle.Render(strings.Repeat("░", max(bw-filled, 0)))
		lines = append(lines, "  "+common.Fit(statusName(e.Status), lw)+" "+bar+" "+common.FitRight(pct(p), pw)+" "+s.Muted.Render(common.FitRight(common.Thousands(e.Count), cw)))
	}
	lines = append(lines, "", "  "+s.Heading.Render("Recent errors")+s.Muted.Render("  "+recentWords(len(d.RecentErrors), total)))
	if len(d.RecentErrors) == 0 {
		lines = append(lines, s.Muted.Render("  none"))
		return block{lines: lines, rowTop: -1}
	}
	long := d.To.Sub(d.From) > 24*time.Hour
	tw := 8
	if long {
		tw = 12
	}
	sw, codew, kw := 3, 16, 14
	narrow := w < 100
	if narrow {
		// Which key failed matters more than the rest of the message: keep
		// the key column and let the message give way.
		codew, kw = 14, 14
	}
	if m.keyID != "" {
		kw = 0 // filtered to one key: the header names it
	}
	rest := max(w-2-tw-sw-codew-kw-5, 12)
	epw := rest * 2 / 5
	if narrow {
		epw = rest / 2
	}
	msgw := rest - epw
	header := "  " + common.Fit("Time", tw) + " " + common.Fit("Endpoint", epw) + " " + common.Fit("Sts", sw) + " " + common.Fit("Error", codew) + " " + common.Fit("Message", msgw) + keyCol("Key", kw)
	loc := m.now().Location()
	rowTop := len(lines) + 1
	lines = append(lines, m.tableRows(tblRecent, m.focus == secErrors, header, func(i int) string {
		e := d.RecentErrors[i]
		t := e.Time.In(loc)
		ts := t.Format("15:04:05")
		if long {
			ts = t.Format("02 Jan 15:04")
		}
		code := strconv.Itoa(e.Status)
		if e.Status >= 500 {
			code = s.Danger.Render(code)
		} else {
			code = s.Warning.Render(code)
		}
		key := common.Sanitize(e.KeyName)
		if key == "" {
			key = common.Sanitize(e.KeyID)
		}
		return "  " + common.Fit(ts, tw) + " " + common.Fit(common.Sanitize(e.Endpoint), epw) + " " + code + " " +
			common.Fit(common.Sanitize(e.ErrorCode), codew) + " " + common.Fit(common.Sanitize(e.Message), msgw) + keyCol(key, kw)
	})...)
	return block{lines: lines, rowTop: rowTop}
}

// recentCap is the most recent_errors the analytics answer carries.
const recentCap = 100

// recentWords says how many records the table lists against the count of
// errors: fewer than the cap means the log holds no more for the range.
func recentWords(n int, total int64) string {
	switch {
	case int64(n) >= total:
		return fmt.Sprintf("newest first · %d shown", n)
	case n < recentCap:
		return fmt.Sprintf("newest first · %d recorded of %s errors", n, common.Thousands(total))
	}
	return fmt.Sprintf("newest %d records of %s errors", n, common.Thousands(total))
}

func keyCol(s string, w int) string {
	if w == 0 {
		return ""
	}
	return " " + common.Fit(s, w)
}

// readCSV parses an export back (used by tests and kept next to writeCSV so
// the two stay in step).
func readCSV(r io.Reader) ([]models.RecentError, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != strings.Join(common.ErrorsCSVHeader, ",") {
		return nil, errors.New("not an errors export")
	}
	out := make([]models.RecentError, 0, len(recs)-1)
	for _, r := range recs[1:] {
		t, err := time.Parse(time.RFC3339, r[0])
		if err != nil {
			return nil, err
		}
		st, err := strconv.Atoi(r[2])
		if err != nil {
			return nil, err
		}
		out = append(out, models.RecentError{Time: t, Endpoint: r[1], Status: st, ErrorCode: r[3], Message: r[4], KeyID: r[5], KeyName: r[6]})
	}
	return out, nil
}

// ClipboardLimit is the largest export offered for OSC 52 copying;
// terminals and multiplexers often drop bigger clipboard writes.
const ClipboardLimit = 64 << 10

// minCSVRow is less than any error's CSV row (a timestamp alone is 20
// bytes), so more than ClipboardLimit/minCSVRow errors never fit.
const minCSVRow = 40

// remoteMaxRows bounds what a remote export fetches before it is known to
// be too large for the clipboard.
const remoteMaxRows = ClipboardLimit / minCSVRow

// Export bounds: the whole error log of the range is paged in, up to
// exportMaxRows (about 20 MB of CSV) and within exportTimeout.
const (
	exportMaxRows  = 100_000
	exportPageSize = models.UsageErrorsMaxLimit
	exportTimeout  = 2 * time.Minute
)

// errorPager fetches one page of the error log (client.UsageErrors).
type errorPager func(ctx context.Context, p models.UsageParams, cursor string, limit int) (models.UsageErrorPage, error)

// export is the last written CSV file, or over SSH the CSV for the clipboard.
type export struct {
	path      string // "" when remote
	n         int
	of        int64 // errors counted in the range when the export started
	truncated bool  // stopped at the row limit; older errors are not in the text
	text      string
	remote    bool // for the clipboard only: no file was written
}

func (e *export) small() bool { return !e.truncated && len(e.text) <= ClipboardLimit }

type exportMsg struct {
	export
	err error
}

// exportName is a timestamped file name for the current range and filter.
func exportName(p models.UsageParams, now time.Time) string {
	name := "pmdev-errors-" + p.Range
	if p.KeyID != "" {
		name += "-" + safeName(p.KeyID)
	}
	return name + "-" + now.UTC().Format("20060102T150405Z") + ".csv"
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

// pager is where the export reads the error log: the test hook or the client.
func (m *Model) pager() errorPager {
	if m.pageErrors != nil {
		return m.pageErrors
	}
	if c := m.ctx.Client; c != nil {
		return c.UsageErrors
	}
	return nil
}

// export writes every error of the shown range and filter to ctx.WorkDir,
// paging through the API's error log inside the command.
func (m *Model) export() tea.Cmd {
	if m.data == nil {
		return common.Status("no usage data to export yet", common.LevelWarning)
	}
	if m.exporting {
		return common.Status("an export is already running", common.LevelInfo)
	}
	var total int64
	for _, e := range m.data.ErrorsBy {
		total += e.Count
	}
	if total == 0 && len(m.data.RecentErrors) == 0 {
		return common.Status("no errors in this range — nothing to export", common.LevelInfo)
	}
	fetch := m.pager()
	if fetch == nil {
		return common.Status("not connected — nothing to export from", common.LevelWarning)
	}
	files := m.ctx.Files
	if files == nil {
		return m.exportRemote(fetch, total)
	}
	dir := m.ctx.WorkDir
	if dir == "" {
		dir = "."
	}
	p := m.params
	path := filepath.Join(dir, exportName(p, m.now()))
	m.exporting = true
	m.exports++
	run := func() tea.Msg {
		e, err := exportCSV(fetch, p, exportMaxRows)
		e.of = total
		if err != nil {
			return exportMsg{err: err}
		}
		f, path, err := createUnique(files, path)
		if err != nil {
			return exportMsg{err: err}
		}
		_, err = io.WriteString(f, e.text)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = files.Remove(path)
			return exportMsg{err: err}
		}
		e.path, _ = filepath.Abs(path)
		return exportMsg{export: e}
	}
	return tea.Batch(common.Status("exporting the recorded errors ("+common.Thousands(total)+" in range)…", common.LevelInfo), run)
}

// exportRemote is E without Files (over SSH): a file would be written on
// the server's disk, so the CSV goes to the user's clipboard with OSC 52
// when it is small. The count is not checked first: during floods the log
// holds far fewer records than errors, and a page of remoteMaxRows is cheap.
func (m *Model) exportRemote(fetch errorPager, total int64) tea.Cmd {
	p := m.params
	m.exporting = true
	m.exports++
	run := func() tea.Msg {
		e, err := exportCSV(fetch, p, remoteMaxRows)
		e.remote, e.of = true, total
		return exportMsg{export: e, err: err}
	}
	return tea.Batch(common.Status("preparing the recorded errors ("+common.Thousands(total)+" in range) for the clipboard…", common.LevelInfo), run)
}

// exportCSV pages in at most maxRows errors of p and renders them as CSV.
func exportCSV(fetch errorPager, p models.UsageParams, maxRows int) (export, error) {
	ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
	defer cancel()
	errs, truncated, err := collectErrors(ctx, fetch, p, maxRows)
	if err != nil {
		return export{}, err
	}
	var buf bytes.Buffer
	if err := common.WriteErrorsCSV(&buf, errs); err != nil {
		return export{}, err
	}
	return export{n: len(errs), truncated: truncated, text: buf.String()}, nil
}

// tooLargeToCopy explains why nothing was copied and what to do instead.
func tooLargeToCopy(rows string) tea.Cmd {
	return common.Status(fmt.Sprintf("%s errors are too large to copy over SSH (clipboard limit %d KB) — narrow the range or key filter, or run pmdev locally to save a CSV file",
		rows, ClipboardLimit>>10), common.LevelWarning)
}

// collectErrors pages through the error log of p, newest first, stopping
// at maxRows (truncated is then true).
func collectErrors(ctx context.Context, fetch errorPager, p models.UsageParams, maxRows int) (errs []models.RecentError, truncated bool, err error) {
	cursor := ""
	for {
		page, err := fetch(ctx, p, cursor, min(exportPageSize, maxRows-len(errs)))
		if err != nil {
			return nil, false, fmt.Errorf("after %d errors: %w", len(errs), err)
		}
		errs = append(errs, page.Errors...)
		if page.NextCursor == "" {
			return errs, false, nil
		}
		if len(errs) >= maxRows {
			return errs[:maxRows], true, nil
		}
		if page.NextCursor == cursor || len(page.Errors) == 0 {
			return nil, false, errors.New("the error log repeated a page")
		}
		cursor = page.NextCursor
	}
}

// createUnique creates path, or path with -2, -3, … before the extension
// when an export of the same second exists; it never overwrites.
func createUnique(files common.Files, path string) (io.WriteCloser, string, error) {
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext)
	for i := 1; i < 100; i++ {
		p := path
		if i > 1 {
			p = fmt.Sprintf("%s-%d%s", base, i, ext)
		}
		f, err := files.CreateNew(p, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, p, err
	}
	return nil, "", fmt.Errorf("too many exports named %s", filepath.Base(path))
}

func (m *Model) onExport(msg exportMsg) tea.Cmd {
	m.exporting = false
	m.exports++
	if msg.err != nil {
		return common.Status("export failed: "+common.Sanitize(msg.err.Error()), common.LevelError)
	}
	e := msg.export
	if e.remote {
		if !e.small() {
			rows := common.Thousands(int64(e.n))
			if e.truncated {
				rows = "over " + rows
			}
			return tooLargeToCopy(rows)
		}
		m.exported = &e
		return common.Copy(m.ctx, common.PaneUsage, e.text, e.rows()+" as CSV")
	}
	m.exported = &e
	text := fmt.Sprintf("exported %s to %s", e.rows(), common.Sanitize(e.path))
	if e.truncated {
		text = fmt.Sprintf("exported the newest %s errors (the export stops there) to %s", common.Thousands(int64(e.n)), common.Sanitize(e.path))
	} else if int64(e.n) < e.of {
		text += fmt.Sprintf(" · the other %s were counted, not recorded (records are sampled during floods)", common.Thousands(e.of-int64(e.n)))
	}
	if e.small() {
		text += " · y copies it to the clipboard"
	}
	return common.Status(text, common.LevelSuccess)
}

// copyExport puts the last small export on the clipboard with OSC 52, which
// also works over SSH.
func (m *Model) copyExport() tea.Cmd {
	e := m.exported
	if e == nil {
		return common.Status("nothing exported yet — press E first", common.LevelInfo)
	}
	if !e.small() {
		return common.Status("export too large for the clipboard; use the file", common.LevelWarning)
	}
	return common.Copy(m.ctx, common.PaneUsage, e.text, e.rows()+" as CSV")
}

// rows names what an export holds: "30 errors", or "20 of 30 errors" when
// the log held records of fewer errors than were counted.
func (e *export) rows() string {
	n := common.Thousands(int64(e.n))
	switch {
	case !e.truncated && int64(e.n) < e.of:
		return n + " of " + common.Thousands(e.of) + " errors"
	case e.n == 1:
		return "1 error"
	}
	return n + " errors"
}
