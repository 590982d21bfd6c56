package docs

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// Rate-limit headers are spelled as documented, and a long form error wraps
// instead of losing its end.
func TestTryItHeadersAndWrappedErrors(t *testing.T) {
	if got := headerName(http.CanonicalHeaderKey("x-ratelimit-remaining")); got != "X-RateLimit-Remaining" {
		t.Fatalf("got %q", got)
	}
	if got := headerName(http.CanonicalHeaderKey("ratelimit-policy")); got != "RateLimit-Policy" {
		t.Fatalf("got %q", got)
	}
	if got := headerName("Ratelimit"); got != "RateLimit" {
		t.Fatalf("got %q", got)
	}
	m := newPane(t, 80, 24)
	m.ctx.Client = commontest.Unreachable()
	Drive(t, m, m.open("emails", "send-an-email", true), func() bool { return m.cur != nil && m.curKey.slug == "emails" }, nil)
	m.openTry()
	if m.tryD() == nil {
		t.Fatal("Try it did not open")
	}
	m.tryD().formErr = "that is not a valid API key: the prefix, length or checksum is wrong (check for a typo or a truncated paste)"
	m.tryD().resp = &client.RawResponse{Status: 200, Header: http.Header{"X-Ratelimit-Limit": {"300"}}, Body: []byte(`{}`)}
	m.tryD().renderResponse(m)
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "truncated paste)") {
		t.Fatalf("error cut:\n%s", v)
	}
	if !strings.Contains(strings.Join(m.tryD().lines, "\n"), "X-RateLimit-Limit") {
		t.Fatalf("header lines %q", m.tryD().lines)
	}
	for _, l := range strings.Split(m.View(), "\n") {
		if ansi.StringWidth(l) > 80 {
			t.Fatalf("line wider than the pane: %q", l)
		}
	}
}

func TestJSONErrorPosition(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{"x", "line 1, column 1"},
		{"{\n  \"a\": x}", "line 2, column 8"},
		{"{\"é\": x}", "line 1, column 7"},
		{"{\"a\": 1", "line 1, column 8"}, // past the end
	} {
		var v any
		err := json.Unmarshal([]byte(c.raw), &v)
		if got := jsonErr(c.raw, err); !strings.Contains(got, c.want) {
			t.Errorf("%q: %s, want %s", c.raw, got, c.want)
		}
	}
}

// Sending does not shrink the body editor.
func TestTryItBodyKeepsHeight(t *testing.T) {
	m := newPane(t, 80, 24)
	m.ctx.Client = commontest.Unreachable()
	Drive(t, m, m.open("emails", "send-an-email", true), func() bool { return m.cur != nil && m.curKey.slug == "emails" }, nil)
	m.openTry()
	before := m.tryD().body.Height()
	m.tryD().resp = &client.RawResponse{Status: 200, Header: http.Header{}, Body: []byte(`{"id":"x"}`)}
	m.tryD().resize(m)
	if after := m.tryD().body.Height(); after != before || after < 5 {
		t.Fatalf("body editor %d lines before sending, %d after", before, after)
	}
	if v := m.View(); strings.Count(v, "\n")+1 != 24 {
		t.Fatalf("view is not 24 lines:\n%s", v)
	}
}

func (m *Model) tryD() *tryIt { t, _ := dialog.Find[*tryIt](&m.dialogs); return t }

// A field row ends at the pane's edge without being cut: no ellipsis after
// a short value.
func TestTryItFieldRowsFit(t *testing.T) {
	m := newPane(t, 120, 36)
	m.ctx.Client = commontest.Unreachable()
	Drive(t, m, m.open("campaigns", "", true), func() bool { return m.cur != nil && m.curKey.slug == "campaigns" }, nil)
	m.openTry()
	if m.tryD() == nil || len(m.tryD().fields) == 0 {
		t.Fatal("Try it did not open with fields")
	}
	for i, l := range strings.Split(commontest.Plain(m.View()), "\n")[1:4] {
		if strings.Contains(l, "…") {
			t.Errorf("row %d cut: %q", i+1, l)
		}
	}
}
