package usage

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
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
	if err := writeCSV(&buf, in); err != nil {
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
	err := writeCSV(&buf, []models.RecentError{{Time: time.Unix(0, 0), Message: "a\x1b]52;c;ZXZpbA==\x07b", KeyName: "k\x1b[2J"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(buf.String(), "\x1b\x07") {
		t.Fatalf("escape in CSV: %q", buf.String())
	}
}

func TestExportWritesFileAndOffersCopy(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	m.ctx.WorkDir = t.TempDir()
	cmd := press(m, "E")
	if cmd == nil {
		t.Fatal("E returned no command")
	}
	msg := cmd()
	status := m.Update(msg)
	e := m.exported
	if e == nil || filepath.Dir(e.path) != m.ctx.WorkDir || !strings.Contains(filepath.Base(e.path), "24h-20261130T143000Z") {
		t.Fatalf("export %+v", e)
	}
	sm, ok := status().(common.StatusMsg)
	if !ok || !strings.Contains(sm.Text, e.path) || !strings.Contains(sm.Text, "y copies") {
		t.Fatalf("status %+v", sm)
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
	if second, ok := press(m, "E")().(exportMsg); !ok || second.err != nil || second.path == e.path || !strings.HasSuffix(second.path, "-2.csv") {
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

func TestResampleKeepsEveryMaximum(t *testing.T) {
	u := fixtureN(models.Range30d, commontest.Now, time.Hour, 720) // 30 days hourly
	ser := (&Model{ctx: commontest.Context(200, 60, nil), data: &u}).volumeSeries()
	for _, w := range []int{7, 50, 73, 100, 189, 719, 720, 1000} {
		for _, s := range ser {
			got := resample(s.values, w)
			if len(got) != w {
				t.Fatalf("width %d: %d columns", w, len(got))
			}
			if mx(got) != mx(s.values) {
				t.Fatalf("%s at width %d: max %v, want %v", s.name, w, mx(got), mx(s.values))
			}
			// Every column is the max of exactly the buckets it covers.
			for c := range got {
				lo, hi := span(c, w, len(s.values))
				if got[c] != mx(s.values[lo:hi]) {
					t.Fatalf("%s w=%d col %d", s.name, w, c)
				}
			}
		}
		// Every bucket is shown by the column the cursor marks for it.
		for i := range u.Series {
			c := column(i, w, len(u.Series))
			if lo, hi := span(c, w, len(u.Series)); i < lo || i >= hi {
				t.Fatalf("w=%d bucket %d → column %d covering [%d,%d)", w, i, c, lo, hi)
			}
		}
	}
}

func mx(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}

func TestWidthMatchesAnsi(t *testing.T) {
	for _, s := range []string{"", "plain", "\x1b[1;38;5;12mbold\x1b[0m ╭─╮ ▲ · … ● ✓", "Zürich 東京 🐧", "e\u0301", "a\x1b]8;;http://x\x07link\x1b]8;;\x07", "tab\there"} {
		if got, want := width(s), ansi.StringWidth(s); got != want {
			t.Errorf("width(%q) = %d, want %d", s, got, want)
		}
	}
}
