package usage

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/usage/livelog"
)

// liveModel is the Usage pane showing the live log, fed entries by hand
// (no client: no stream is opened).
func liveModel(t *testing.T, w, h int) *Model {
	t.Helper()
	ctx := commontest.Context(w, h, nil)
	ctx.Active = common.PaneUsage
	m := New(ctx)
	m.SetSize(w, h)
	press(m, "L")
	if !m.showLive {
		t.Fatal("L did not open the live log")
	}
	return m
}

func entry(i, status int) models.RequestLogEntry {
	e := models.RequestLogEntry{Time: commontest.Now.Add(time.Duration(i) * time.Second), RequestID: fmt.Sprintf("req_%02d", i),
		KeyID: "9b2f6c1e-4d3a-4e8b-a1f0-3c5d7e9f1a2b", Method: "POST", Route: "/api/v1/emails/send", Status: status,
		LatencyMS: float64(i) / 2, IP: "203.0.113.10"}
	if i%3 == 0 {
		e.Route, e.Method = "/api/v1/campaigns", "GET"
	}
	if status >= 400 {
		e.ErrorCode, e.ErrorMessage = "insufficient_permissions", "This key lacks send_email"
	}
	if status == 429 {
		e.ErrorCode, e.ErrorMessage = "rate_limit_exceeded", "Retry after 2 seconds"
	}
	return e
}

func feed(m *Model, from, to int) {
	statuses := []int{200, 202, 403, 429, 500}
	for i := from; i < to; i++ {
		m.reqLog.Add(entry(i, statuses[i%len(statuses)]))
	}
}

// filterLog types text into the log's filter and ends it with end (enter or esc).
func filterLog(m *Model, text, end string) {
	press(m, "/")
	typeText(m, text)
	press(m, end)
}

func TestLiveRequestLogUpdate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		do       func(m *Model)
		selected string // request id under the cursor
		follow   bool
		shown    int
	}{
		{"follows the newest", func(m *Model) { feed(m, 0, 10) }, "req_09", true, 10},
		{"moving up leaves follow and new rows do not move it", func(m *Model) {
			feed(m, 0, 10)
			press(m, "k", "k")
			feed(m, 10, 12)
		}, "req_07", false, 12},
		{"F follows again", func(m *Model) {
			feed(m, 0, 10)
			press(m, "k", "F")
		}, "req_09", true, 10},
		{"/ filters by status class", func(m *Model) { feed(m, 0, 10); filterLog(m, "4xx", "enter") }, "req_08", true, 4},
		{"/ filters by 429 and route words", func(m *Model) { feed(m, 0, 20); filterLog(m, "429 campaigns", "enter") }, "req_18", true, 2},
		{"esc cancels the filter being typed", func(m *Model) { feed(m, 0, 10); filterLog(m, "5xx", "esc") }, "req_09", true, 10},
		{"a stale stream's entries are dropped", func(m *Model) {
			feed(m, 0, 3)
			b, _ := json.Marshal(entry(99, 200))
			m.Update(common.StreamEventMsg{Feed: "usage.requests", Gen: 7, Event: client.StreamEvent{Name: models.StreamEventRequest, Data: b}})
		}, "req_02", true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := liveModel(t, 100, 20)
			tc.do(m)
			e, ok := m.reqLog.Selected()
			if !ok || e.RequestID != tc.selected || m.reqLog.Follow() != tc.follow {
				t.Errorf("selected %q follow %v, want %q %v", e.RequestID, m.reqLog.Follow(), tc.selected, tc.follow)
			}
			if v := commontest.Plain(m.View()); !strings.Contains(v, fmt.Sprintf("%d shown", tc.shown)) {
				t.Errorf("want %d shown:\n%s", tc.shown, v)
			}
		})
	}
}

func TestLiveRequestDetailCopiesCurlWithoutSecrets(t *testing.T) {
	m := liveModel(t, 100, 30)
	feed(m, 0, 3) // req_02 is a 403
	press(m, "enter")
	d, ok := m.dialogs.Top().(*livelog.Detail)
	if !ok {
		t.Fatal("enter did not open the request details")
	}
	v := commontest.Plain(m.View())
	for _, want := range []string{"req_02", "403", `"error": "insufficient_permissions"`, "$PENGUINMAILS_API_KEY", "203.0.113.10"} {
		if !strings.Contains(v, want) {
			t.Errorf("details lack %q:\n%s", want, v)
		}
	}
	text, ok := commontest.Clipboard(commontest.Collect(press(m, "y"))...)
	if !ok || text != d.Curl() || !strings.Contains(text, "curl -X POST") || strings.Contains(text, "pm_live_") {
		t.Errorf("copied %q", text)
	}
	press(m, "esc")
	if !m.dialogs.Empty() {
		t.Error("esc did not close the details")
	}
	press(m, "L")
	if m.showLive {
		t.Error("L did not go back to the analytics")
	}
}

func TestLiveRequestLogGolden(t *testing.T) {
	m := liveModel(t, 100, 14)
	feed(m, 0, 14)
	press(m, "k")
	v := m.View()
	commontest.Fits(t, v, 100, 14)
	commontest.Golden(t, v)
}
