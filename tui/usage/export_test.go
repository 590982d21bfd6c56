package usage

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

func TestCSVRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 30, 14, 2, 3, 0, time.UTC)
	in := []models.RecentError{
		{Time: at, Endpoint: "POST /api/v1/emails/send", Status: 400, ErrorCode: "invalid_email",
			Message: `Recipient "bob@example.com, jr." is invalid`, KeyID: "key_1", KeyName: "Prod, EU"},
		{Time: at.Add(-time.Minute), Endpoint: "GET /api/v1/contacts", Status: 500, ErrorCode: "internal_error",
			Message: "line one\nline two\n\"quoted\"", KeyID: "key_2", KeyName: "Zürich 東京 🐧"},
		{Time: at.Add(-2 * time.Minute), Endpoint: "GET /api/v1/campaigns", Status: 429, ErrorCode: "rate_limit_exceeded",
			Message: "", KeyID: "key_3", KeyName: ""},
	}
	var buf bytes.Buffer
	if err := common.WriteErrorsCSV(&buf, in); err != nil {
		t.Fatal(err)
	}
	raw := buf.String()
	if !strings.HasPrefix(raw, "time,endpoint,status,error_code,message,key_id,key_name\r\n") {
		t.Fatalf("header/CRLF: %q", raw[:60])
	}
	if !strings.Contains(raw, `"Recipient ""bob@example.com, jr."" is invalid"`) {
		t.Fatalf("quotes not doubled: %s", raw)
	}
	out, err := readCSV(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip:\n in %#v\nout %#v", in, out)
	}
}

func TestCSVStripsEscapes(t *testing.T) {
	var buf bytes.Buffer
	err := common.WriteErrorsCSV(&buf, []models.RecentError{{Time: time.Unix(0, 0), Message: "a\x1b]52;c;ZXZpbA==\x07b", KeyName: "k\x1b[2J"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(buf.String(), "\x1b\x07") {
		t.Fatalf("escape in CSV: %q", buf.String())
	}
}

// fakeLog serves errs as the API's error log, at most pageMax rows a page,
// and records the parameters and page sizes it was asked for.
type fakeLog struct {
	errs    []models.RecentError
	pageMax int
	params  []models.UsageParams
	limits  []int
	fail    error
}

func (f *fakeLog) page(ctx context.Context, p models.UsageParams, cursor string, limit int) (models.UsageErrorPage, error) {
	if f.fail != nil {
		return models.UsageErrorPage{}, f.fail
	}
	if err := ctx.Err(); err != nil {
		return models.UsageErrorPage{}, err
	}
	f.params, f.limits = append(f.params, p), append(f.limits, limit)
	off := 0
	if cursor != "" {
		off, _ = strconv.Atoi(strings.TrimPrefix(cursor, "off:"))
	}
	n := min(limit, f.pageMax, len(f.errs)-off)
	out := models.UsageErrorPage{Errors: f.errs[off : off+n]}
	if off+n < len(f.errs) {
		out.NextCursor = "off:" + strconv.Itoa(off+n)
	}
	return out, nil
}

// manyErrors returns n errors, newest first, one second apart.
func manyErrors(n int) []models.RecentError {
	out := make([]models.RecentError, n)
	for i := range out {
		out[i] = models.RecentError{Time: commontest.Now.Add(-time.Duration(i) * time.Second).UTC().Truncate(time.Second),
			Endpoint: "GET /api/v1/analytics/campaigns/{id}", Status: 404, ErrorCode: "campaign_not_found",
			Message: "Campaign cmp_" + strconv.Itoa(i) + " not found", KeyID: "key_0", KeyName: "Production App"}
	}
	return out
}

// runExport executes the command E returned and feeds the export's result
// back; it returns the start status, the result and the final status.
func runExport(t *testing.T, m *Model, cmd tea.Cmd) (start common.StatusMsg, res exportMsg, done common.StatusMsg) {
	t.Helper()
	if cmd == nil {
		t.Fatal("E returned no command")
	}
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) != 2 {
		t.Fatalf("E: want a batch of status and export, got %#v", batch)
	}
	start, _ = batch[0]().(common.StatusMsg)
	res, ok = batch[1]().(exportMsg)
	if !ok {
		t.Fatal("second command is not the export")
	}
	done, _ = m.Update(res)().(common.StatusMsg)
	return start, res, done
}

func TestExportWritesFileAndOffersCopy(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	m.ctx.WorkDir = t.TempDir()
	log := &fakeLog{errs: m.data.RecentErrors, pageMax: 5}
	m.pageErrors = log.page
	start, _, sm := runExport(t, m, press(m, "E"))
	if !strings.Contains(start.Text, "exporting the recorded errors (3,876 in range)") {
		t.Fatalf("start status %+v", start)
	}
	e := m.exported
	if e == nil || filepath.Dir(e.path) != m.ctx.WorkDir || !strings.Contains(filepath.Base(e.path), "24h-20261130T143000Z") {
		t.Fatalf("export %+v", e)
	}
	if !strings.Contains(sm.Text, e.path) || !strings.Contains(sm.Text, "y copies") {
		t.Fatalf("status %+v", sm)
	}
	// The log held 12 records of 3,876 counted errors: the status says so.
	if !strings.Contains(sm.Text, "exported 12 of 3,876 errors to "+e.path) ||
		!strings.Contains(sm.Text, "the other 3,864 were counted, not recorded (records are sampled during floods)") {
		t.Fatalf("status does not tell records from errors: %q", sm.Text)
	}
	f, err := os.Open(e.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := readCSV(f)
	if err != nil || len(got) != len(m.data.RecentErrors) {
		t.Fatalf("file has %d rows (%v), want %d", len(got), err, len(m.data.RecentErrors))
	}
	if strings.Contains(got[1].KeyName, "\x1b") {
		t.Fatal("hostile key name reached the file")
	}
	// A second export in the same second must not overwrite the first.
	if _, second, _ := runExport(t, m, press(m, "E")); second.err != nil || second.path == e.path || !strings.HasSuffix(second.path, "-2.csv") {
		t.Fatalf("second export %+v", second)
	}
	// y copies the small export with OSC 52.
	batch := press(m, "y")
	found := false
	for _, c := range batch().(tea.BatchMsg) {
		// tea's clipboard message is an unexported string type.
		if v := reflect.ValueOf(c()); v.Kind() == reflect.String && v.String() == e.text {
			found = true
		}
	}
	if !found {
		t.Fatal("y did not set the clipboard to the CSV")
	}
}

// E pages through the whole error log of the shown range and filter, not
// only the recent errors the analytics answer carries.
func TestExportHoldsEveryErrorOfTheRange(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	m.ctx.WorkDir = t.TempDir()
	m.params.KeyID = "key_1"
	log := &fakeLog{errs: manyErrors(3876), pageMax: 1000}
	m.pageErrors = log.page
	cmd := press(m, "E")
	// While it runs the section says so and a second E does not start another.
	for m.focus != secErrors {
		press(m, "]")
	}
	if v := commontest.Plain(m.View()); !strings.Contains(v, "exporting…") {
		t.Fatalf("errors section while exporting:\n%s", v)
	}
	if again, ok := press(m, "E")().(common.StatusMsg); !ok || !strings.Contains(again.Text, "already running") {
		t.Fatalf("second E while running: %#v", again)
	}
	_, res, sm := runExport(t, m, cmd)
	if res.err != nil || res.n != 3876 || res.truncated {
		t.Fatalf("export %+v", res.export)
	}
	if !strings.Contains(sm.Text, "exported 3,876 errors to "+res.path) {
		t.Fatalf("status %+v", sm)
	}
	if len(log.params) != 4 || log.params[0].KeyID != "key_1" || log.params[0].Range != models.Range24h {
		t.Fatalf("pages asked: %d, params %+v", len(log.params), log.params)
	}
	f, err := os.Open(res.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := readCSV(f)
	if err != nil || len(got) != 3876 || got[0] != log.errs[0] || got[3875] != log.errs[3875] {
		t.Fatalf("file: %d rows, %v", len(got), err)
	}
	if v := commontest.Plain(m.View()); !strings.Contains(v, "E exports the recorded ones as CSV") || !strings.Contains(v, "last export: "+res.path[:20]) {
		t.Fatalf("errors section after export:\n%s", v)
	}
}

func TestExportStopsAtTheRowLimit(t *testing.T) {
	log := &fakeLog{errs: manyErrors(250), pageMax: 1000}
	errs, truncated, err := collectErrors(context.Background(), log.page, models.UsageParams{Range: models.Range1h}, 120)
	if err != nil || !truncated || len(errs) != 120 || errs[119] != log.errs[119] {
		t.Fatalf("%d rows, truncated %v, %v", len(errs), truncated, err)
	}
	// It asks for no more rows than it still needs.
	if log.limits[0] != 120 {
		t.Fatalf("page limits %v", log.limits)
	}
	m := loaded(models.Range24h, 80, 24)
	sm, _ := m.Update(exportMsg{export: export{path: "/tmp/x.csv", n: exportMaxRows, truncated: true, text: "x"}})().(common.StatusMsg)
	if !strings.Contains(sm.Text, "newest 100,000 errors") {
		t.Fatalf("truncated status %+v", sm)
	}
}

func TestExportFailuresAreReported(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	<-ctx.Done()
	if _, _, err := collectErrors(ctx, (&fakeLog{errs: manyErrors(3), pageMax: 1}).page, models.UsageParams{}, 10); err == nil {
		t.Fatal("expired deadline did not stop the export")
	}
	m := loaded(models.Range24h, 80, 24)
	m.ctx.WorkDir = t.TempDir()
	m.pageErrors = (&fakeLog{fail: errors.New("boom \x1b[2J")}).page
	_, res, sm := runExport(t, m, press(m, "E"))
	if res.err == nil || !strings.Contains(sm.Text, "export failed") || strings.Contains(sm.Text, "\x1b") || m.exporting {
		t.Fatalf("failure: %+v %+v exporting=%v", res, sm, m.exporting)
	}
	if entries, _ := os.ReadDir(m.ctx.WorkDir); len(entries) != 0 {
		t.Fatalf("a failed export left %d files", len(entries))
	}
	// Without a client there is nothing to page through.
	m.pageErrors = nil
	if sm, ok := press(m, "E")().(common.StatusMsg); !ok || !strings.Contains(sm.Text, "not connected") {
		t.Fatalf("no client: %#v", sm)
	}
}

func TestWidthMatchesAnsi(t *testing.T) {
	for _, s := range []string{"", "plain", "\x1b[1;38;5;12mbold\x1b[0m ╭─╮ ▲ · … ● ✓", "Zürich 東京 🐧", "e\u0301", "a\x1b]8;;http://x\x07link\x1b]8;;\x07", "tab\there"} {
		if got, want := common.Width(s), ansi.StringWidth(s); got != want {
			t.Errorf("common.Width(%q) = %d, want %d", s, got, want)
		}
	}
}
