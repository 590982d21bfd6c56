package usage

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

func press(m *Model, keys ...string) tea.Cmd { return commontest.Press(m.Update, keys...) }

func typeText(m *Model, s string) { commontest.Type(m.Update, s) }

func TestRangeCycling(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	for _, want := range []string{"7d", "30d", "1h", "24h", "7d"} {
		press(m, "t")
		if p := m.Params(); p.Range != want || !p.From.IsZero() {
			t.Fatalf("after t: params %+v, want range %s", p, want)
		}
	}
	// Leaving a custom range with t goes back to the presets.
	m.rng = models.RangeCustom
	press(m, "t")
	if m.rng != models.Range1h {
		t.Fatalf("custom → %s, want 1h", m.rng)
	}
}

func TestCustomRangeForm(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	press(m, "T")
	if m.formD() == nil || !m.Captures(commontest.Key("q")) {
		t.Fatal("T should open the form and capture keys")
	}
	// Clear both fields and type a backwards range.
	for i := 0; i < 2; i++ {
		m.formD().fields[i] = ""
	}
	typeText(m, "2026-11-30 10:00")
	press(m, "tab")
	typeText(m, "2026-11-29 10:00")
	press(m, "enter")
	if m.formD() == nil || !strings.Contains(m.formD().err, "before") {
		t.Fatalf("backwards range accepted: %+v", m.formD())
	}
	if v := commontest.Plain(m.View()); !strings.Contains(v, "from must be before to") {
		t.Fatalf("error not shown:\n%s", v)
	}
	m.formD().fields[1] = ""
	typeText(m, "now")
	press(m, "enter")
	if m.formD() != nil {
		t.Fatalf("valid range rejected: %s", m.formD().err)
	}
	p := m.Params()
	if p.Range != models.RangeCustom || !p.To.Equal(commontest.Now) || p.From.Hour() != 10 {
		t.Fatalf("params %+v", p)
	}
	press(m, "T", "esc")
	if m.formD() != nil {
		t.Fatal("esc should close the form")
	}
}

func TestParseRange(t *testing.T) {
	now := commontest.Now
	for _, tc := range []struct {
		from, to, err string
	}{
		{"2026-11-29 14:30", "now", ""},
		{"2026-11-01", "2026-11-02", ""},
		{"2026-11-29T10:00:00Z", "2026-11-29T12:00:00Z", ""},
		{"yesterday", "now", "from:"},
		{"2026-11-29 10:00", "", "to: empty"},
		{"2026-11-29 10:00", "2026-11-29 10:02", "at least 5 minutes"},
		{"2026-01-01", "now", "at most 90 days"},
		{"2026-11-30 14:00", "2026-12-01 10:00", "after today"},
		{"2026-11-30 10:00", "2026-11-30 23:59", ""}, // later today: read as now
	} {
		_, to, err := parseRange(tc.from, tc.to, now)
		if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("parseRange(%q, %q) = %v, want %q", tc.from, tc.to, err, tc.err)
		}
		if err == nil && to.After(now) {
			t.Errorf("parseRange(%q, %q) ends at %v, after now", tc.from, tc.to, to)
		}
	}
}

// Reopening the custom range applies as it is: a preset's end (the close of
// its current bucket, after now) is prefilled as "now", and a custom range
// comes back as typed.
func TestCustomRangeReopensWithItsOwnValues(t *testing.T) {
	for _, r := range []string{models.Range1h, models.Range24h, models.Range30d} {
		m := loaded(r, 80, 24)
		if !m.data.To.After(commontest.Now) {
			t.Fatalf("%s: the fixture should end after now", r)
		}
		press(m, "T")
		if got := m.formD().fields[1]; got != "now" {
			t.Fatalf("%s: To prefilled %q, want now", r, got)
		}
		press(m, "tab", "enter")
		if m.formD() != nil {
			t.Fatalf("%s: its own prefilled range was refused: %s", r, m.formD().err)
		}
		from, to := m.Params().From, m.Params().To
		deliver(m, fixtureN(models.RangeCustom, commontest.Now, 15*time.Minute, 96))
		press(m, "T")
		if m.formD().fields[0] != from.Format(inputLayout) || m.formD().fields[1] != "now" || !to.Equal(commontest.Now) {
			t.Fatalf("%s: reopened custom range %q–%q, applied %v–%v", r, m.formD().fields[0], m.formD().fields[1], from, to)
		}
		press(m, "tab", "enter")
		if m.formD() != nil {
			t.Fatalf("%s: the custom range failed on reopening: %s", r, m.formD().err)
		}
	}
	// A To date later today is read as now.
	m := loaded(models.Range24h, 80, 24)
	press(m, "T")
	m.formD().fields = [2]string{"2026-11-30 09:00", ""}
	press(m, "tab")
	typeText(m, "2026-11-30 18:00")
	v := m.View()
	press(m, "enter")
	if m.formD() != nil || !m.Params().To.Equal(commontest.Now) {
		t.Fatalf("later today: %+v", m.Params())
	}
	commontest.Golden(t, v)
}

func TestKeyFilter(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	m.Update(common.NavigateMsg{To: common.PaneUsage, KeyID: "key_1", Name: "Staging\x1b[31m"})
	if p := m.Params(); p.KeyID != "key_1" || m.keyName != "Staging" {
		t.Fatalf("navigate: params %+v name %q", p, m.keyName)
	}
	if !strings.Contains(commontest.Plain(m.View()), "key Staging") {
		t.Fatal("header does not name the filter")
	}
	// The picker lists All keys plus the keys with traffic; typing filters.
	press(m, "f")
	if m.pickerD() == nil || !m.Captures(commontest.Key("1")) {
		t.Fatal("f should open the picker")
	}
	// j and k are text in the picker, as in every filter field.
	typeText(m, "prod")
	if v := m.pickerD().visible(); len(v) != 1 || v[0].id != "key_0" {
		t.Fatalf("filtered items %+v", v)
	}
	press(m, "enter") // the first match, without moving to it
	if m.pickerD() != nil || m.Params().KeyID != "key_0" {
		t.Fatalf("picker choice not applied: %+v", m.Params())
	}
	// The picker opens on the key being shown: enter keeps it.
	press(m, "f")
	if it := m.pickerD().visible()[m.pickerD().sel]; it.id != "key_0" {
		t.Fatalf("picker opened on %+v, want the current key", it)
	}
	press(m, "enter")
	if m.Params().KeyID != "key_0" {
		t.Fatalf("enter on the current key changed the filter: %+v", m.Params())
	}
	press(m, "f", "up", "up", "up", "up", "up", "up", "enter") // All keys
	if m.Params().KeyID != "" {
		t.Fatal("All keys should clear the filter")
	}
	// Keys from the API replace the provisional list, sanitised.
	press(m, "f")
	m.Update(keysMsg{Result: common.Result{Pane: common.PaneUsage, ReqID: m.keysReq},
		keys: []models.APIKey{{KeyID: "k9", Name: "Zeta\x1b]0;x\x07", MaskedKey: "pm_live_…abcd", Status: "active"}}})
	if v := m.pickerD().visible(); len(v) != 2 || v[1].name != "Zeta" {
		t.Fatalf("api keys %+v", v)
	}
	press(m, "esc")
	if m.pickerD() != nil {
		t.Fatal("esc should close the picker")
	}
}

func TestByKeyEnterFilters(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	for m.focus != secByKey {
		press(m, "]")
	}
	press(m, "down", "enter")
	if m.Params().KeyID != "key_1" {
		t.Fatalf("enter on row 2: %+v", m.Params())
	}
}

func TestCursor(t *testing.T) {
	m := loaded(models.Range1h, 80, 24)
	n := len(m.data.Series)
	if m.cursor != n-1 || !m.follow {
		t.Fatalf("cursor starts at %d follow=%v, want newest", m.cursor, m.follow)
	}
	press(m, "left", "left")
	if m.cursor != n-3 || m.follow {
		t.Fatalf("cursor %d follow %v", m.cursor, m.follow)
	}
	b := m.data.Series[n-3]
	want := "total " + common.Thousands(b.Total)
	if v := commontest.Plain(m.View()); !strings.Contains(v, want) {
		t.Fatalf("readout lacks %q", want)
	}
	for i := 0; i < n+5; i++ {
		press(m, "left")
	}
	if m.cursor != 0 {
		t.Fatalf("cursor %d, want clamped to 0", m.cursor)
	}
	// A cursor left behind stays put when data grows; one at the end follows.
	deliver(m, fixture(models.Range1h, commontest.Now.Add(time.Minute)))
	if m.cursor != 0 {
		t.Fatalf("parked cursor moved to %d", m.cursor)
	}
	for i := 0; i < n+5; i++ {
		press(m, "right")
	}
	deliver(m, fixture(models.Range1h, commontest.Now.Add(2*time.Minute)))
	if m.cursor != len(m.data.Series)-1 {
		t.Fatalf("following cursor at %d", m.cursor)
	}
}

// deliver answers a fresh request with d.
func deliver(m *Model, d models.APIUsage) tea.Cmd {
	id := m.poll.Start()
	return m.Update(usageMsg{Result: common.Result{Pane: common.PaneUsage, ReqID: id}, params: m.Params(), data: d})
}

func TestStaleResultDropped(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	v0 := m.version
	old := m.poll.Start()
	press(m, "t") // 7d supersedes the request in flight
	newer := fixture(models.Range7d, commontest.Now)
	stale := fixture(models.Range24h, commontest.Now)
	stale.Totals.Requests = 1
	if cmd := m.Update(usageMsg{Result: common.Result{Pane: common.PaneUsage, ReqID: old}, params: models.UsageParams{Range: "24h"}, data: stale}); cmd != nil || m.version != v0 {
		t.Fatal("stale result was applied")
	}
	m.poll.Start()
	deliver(m, newer)
	if m.data.Range != models.Range7d || m.version == v0 {
		t.Fatalf("current result not applied: %s", m.data.Range)
	}
}

func TestNotModifiedChangesNothing(t *testing.T) {
	m := loaded(models.Range24h, 160, 48)
	before := m.View()
	v := m.version
	id := m.poll.Start()
	if cmd := m.Update(usageMsg{Result: common.Result{Pane: common.PaneUsage, ReqID: id}, params: m.Params(), err: client.ErrNotModified}); cmd != nil {
		t.Fatal("304 produced a command")
	}
	if m.version != v || m.View() != before || m.poll.InFlight() {
		t.Fatal("304 changed the pane")
	}
}

func TestErrorKeepsData(t *testing.T) {
	m := loaded(models.Range24h, 120, 30)
	id := m.poll.Start()
	err := &client.Error{Kind: client.KindNetwork, URL: "http://127.0.0.1:1", Message: "connection refused"}
	cmd := m.Update(usageMsg{Result: common.Result{Pane: common.PaneUsage, ReqID: id}, params: m.Params(), err: err})
	if cmd == nil {
		t.Fatal("an error should tell the root (DataAgeMsg)")
	}
	if age, ok := cmd().(common.DataAgeMsg); !ok || !age.Offline {
		t.Fatalf("want offline DataAgeMsg, got %#v", cmd())
	}
	v := commontest.Plain(m.View())
	if m.data == nil || !strings.Contains(v, "cannot reach") || !strings.Contains(v, "Request volume") {
		t.Fatalf("error view:\n%s", v)
	}
}

func TestPollsOnlyWhenVisible(t *testing.T) {
	ctx := commontest.Context(80, 24, commontest.Unreachable())
	m := New(ctx)
	tick := common.TickMsg{Now: commontest.Now}
	ctx.Active = common.PaneKeys
	if m.Update(tick) != nil {
		t.Fatal("hidden pane polled")
	}
	ctx.Active, ctx.Paused = common.PaneUsage, true
	if m.Update(tick) != nil {
		t.Fatal("paused pane polled")
	}
	ctx.Paused = false
	if m.Update(tick) == nil || !m.poll.InFlight() {
		t.Fatal("visible pane did not poll")
	}
	if m.Update(tick) != nil {
		t.Fatal("second request while one is in flight")
	}
}

func TestSortAndSections(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	press(m, "s") // errors ▼
	rows := sortedEndpoints(m.data.Endpoints, m.epSort)
	if rows[0].Endpoint != "GET /api/v1/contacts" {
		t.Fatalf("sorted by errors: first %q", rows[0].Endpoint)
	}
	press(m, "]", "]")
	if m.focus != secEndpoints {
		t.Fatalf("focus %v", m.focus)
	}
	d := m.layout()
	if m.scroll != min(d.start[secEndpoints], m.maxScroll()) {
		t.Fatalf("scroll %d, endpoints start at %d", m.scroll, d.start[secEndpoints])
	}
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "sorted by errors") || !strings.Contains(v, "GET /api/v1/contacts") {
		t.Fatalf("endpoints not in view:\n%s", v)
	}
	// ↓ walks the rows of the focused table, then on to the next section.
	for i := 0; i < len(rows)-1; i++ {
		press(m, "down")
	}
	if m.tables[tblEndpoints].sel != len(rows)-1 {
		t.Fatalf("sel %d", m.tables[tblEndpoints].sel)
	}
	for i := 0; i < 30 && m.focus == secEndpoints; i++ {
		press(m, "down")
	}
	if m.focus != secErrors {
		t.Fatalf("focus after the table: %v", m.focus)
	}
	// Scrolling to the very end makes the last table reachable.
	for i := 0; i < 200; i++ {
		press(m, "down")
	}
	if m.focus != secByKey || m.scroll != m.maxScroll() {
		t.Fatalf("end: focus %v scroll %d/%d", m.focus, m.scroll, m.maxScroll())
	}
	commontest.Fits(t, m.View(), 80, 24)
}

func TestNoColorMarkers(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	m.ctx.NoColor = true
	v := m.View()
	p := commontest.Plain(v)
	if !strings.Contains(p, "─ total (success+errors)  x errors  ┄ so far") {
		t.Fatalf("no marker legend:\n%s", p)
	}
	// The error series is drawn with its own marker in the chart body.
	d := m.layout()
	body := strings.Join(d.lines[d.start[secVolume]+1:d.end[secVolume]-3], "\n")
	if !strings.Contains(body, "x") || !strings.Contains(body, "╭") {
		t.Fatalf("series not distinguishable:\n%s", body)
	}
	commontest.Golden(t, v)
}

func TestCustomGolden(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	from := commontest.Now.Add(-6 * time.Hour)
	m.rng, m.from, m.to = models.RangeCustom, from, commontest.Now
	d := fixtureN(models.RangeCustom, commontest.Now, 5*time.Minute, 72)
	deliver(m, d)
	commontest.Fits(t, m.View(), 80, 24)
	commontest.Golden(t, m.View())
}

// A custom range the server widened to whole buckets says so; one it
// answered as typed does not.
func TestCustomRangeSaysWhenWidened(t *testing.T) {
	d := fixtureN(models.RangeCustom, commontest.Now.Add(-2*time.Hour), time.Hour, 3)
	for _, c := range []struct {
		name     string
		from, to time.Time
		widened  bool
	}{
		{"as typed", d.From, d.To, false},
		{"start widened", d.From.Add(7 * time.Minute), d.To, true},
		{"end widened", d.From, d.To.Add(-50 * time.Minute), true},
	} {
		m := loaded(models.Range24h, 160, 48)
		m.rng, m.from, m.to = models.RangeCustom, c.from, c.to
		deliver(m, d)
		if got := strings.Contains(commontest.Plain(m.View()), "(widened to whole buckets)"); got != c.widened {
			t.Errorf("%s: widened shown %v, want %v", c.name, got, c.widened)
		}
	}
}

func TestWideSectionOrder(t *testing.T) {
	m := loaded(models.Range24h, 160, 48)
	var got []section
	for range 6 {
		press(m, "]")
		got = append(got, m.focus)
	}
	want := []section{secVolume, secRateLimit, secEndpoints, secByKey, secErrors, secErrors}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("wide ] order %v, want %v", got, want)
		}
	}
	press(m, "[")
	if m.focus != secByKey {
		t.Fatalf("[ from errors: %v", m.focus)
	}
}

func TestOverlayViews(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	press(m, "f")
	v := m.View()
	commontest.Fits(t, v, 80, 24)
	p := commontest.Plain(v)
	if !strings.Contains(p, "All keys") || !strings.Contains(p, "Staging Server") {
		t.Fatalf("picker:\n%s", p)
	}
	press(m, "esc", "T")
	v = m.View()
	commontest.Fits(t, v, 80, 24)
	if !strings.Contains(commontest.Plain(v), "Custom range") {
		t.Fatalf("form:\n%s", commontest.Plain(v))
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

// The picker shows that more keys exist below its window.
func TestPickerSaysMore(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	press(m, "f")
	var keys []models.APIKey
	for i := range 20 {
		keys = append(keys, models.APIKey{KeyID: "id" + string(rune('a'+i)), Name: "Key " + string(rune('a'+i))})
	}
	m.Update(keysMsg{Result: common.Result{Pane: common.PaneUsage, ReqID: m.keysReq}, keys: keys})
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "more · ↑/↓ or type to find") {
		t.Fatalf("picker:\n%s", v)
	}
}

// Arriving from the Keys pane shows the key's usage from the top.
func TestNavigateWithKeyStartsAtTop(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	for m.focus != secByKey {
		press(m, "]")
	}
	if m.scroll == 0 {
		t.Fatal("setup: expected to be scrolled down")
	}
	m.Update(common.NavigateMsg{To: common.PaneUsage, KeyID: "key_1", Name: "Staging"})
	if m.scroll != 0 || m.focus != secCards {
		t.Fatalf("scroll %d focus %d after navigating with a key", m.scroll, m.focus)
	}
}

func (m *Model) formD() *customForm { d, _ := dialog.Find[*customForm](&m.dialogs); return d }
func (m *Model) pickerD() *picker   { d, _ := dialog.Find[*picker](&m.dialogs); return d }

// Enter applies from the From field, as the footer says; a refused range
// keeps the form open with the error under the field to correct, focused.
func TestCustomRangeEnterAppliesFromEitherField(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	press(m, "T")
	m.formD().fields = [2]string{"", "now"}
	typeText(m, "2026-11-30 01:00")
	press(m, "enter")
	if m.formD() != nil {
		t.Fatalf("enter on From did not apply: %+v", m.formD())
	}
	if p := m.Params(); p.Range != models.RangeCustom || p.From.Hour() != 1 {
		t.Fatalf("params %+v", p)
	}
	press(m, "T")
	m.formD().fields = [2]string{"2026-11-30 01:00", ""}
	press(m, "enter")
	f := m.formD()
	if f == nil || f.focus != 1 || f.errAt != 1 || !strings.Contains(f.err, "to: empty") {
		t.Fatalf("empty To: %+v", f)
	}
	v := commontest.Plain(m.View())
	if at, to := strings.Index(v, "to: empty"), strings.Index(v, "│  To "); to < 0 || at < to {
		t.Fatalf("the error is not under To:\n%s", v)
	}
}

// A rejected token is one state: the header says so instead of "● live".
func TestRejectedTokenIsNotLive(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	m.Update(common.AuthMsg{Rejected: true})
	if v := commontest.Plain(m.View()); strings.Contains(v, "● live") || !strings.Contains(v, "✗ token rejected") {
		t.Fatalf("header under a rejected token:\n%s", v)
	}
	m.Update(common.AuthMsg{Rejected: false})
	if v := commontest.Plain(m.View()); !strings.Contains(v, "● live") {
		t.Fatalf("not live after the token works again:\n%s", v)
	}
}
