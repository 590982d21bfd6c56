package livelog

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/styles"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// Detail is one request in full: every field, the problem body it was
// answered with, and a curl command that repeats it without any secret.
type Detail struct {
	Entry       models.RequestLogEntry
	BaseURL     string
	Loc         *time.Location // where the time is shown (nil: local)
	st          *styles.Styles
	close, copy key.Binding
	// OnCopy copies the curl command (the pane's common.Copy).
	OnCopy func(text string) tea.Cmd
}

// NewDetail opens the detail of e.
func NewDetail(e models.RequestLogEntry, baseURL string, st *styles.Styles, closeKey, copyKey key.Binding, onCopy func(string) tea.Cmd) *Detail {
	copyKey.SetHelp(copyKey.Help().Key, "copy as curl")
	return &Detail{Entry: e, BaseURL: baseURL, st: st, close: closeKey, copy: copyKey, OnCopy: onCopy}
}

// Update implements dialog.Dialog.
func (d *Detail) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return d, nil
	}
	switch {
	case key.Matches(k, d.close):
		return nil, nil
	case key.Matches(k, d.copy) && d.OnCopy != nil:
		return d, d.OnCopy(d.Curl())
	}
	return d, nil
}

// Curl repeats the request: method, URL and request id, with the key as
// an environment variable (the log never holds it) and, for a body, a
// placeholder to fill in.
func (d *Detail) Curl() string {
	e := d.Entry
	parts := []string{"curl -X " + e.Method, "'" + strings.TrimRight(d.BaseURL, "/") + e.Route + "'",
		`-H "Authorization: Bearer $PENGUINMAILS_API_KEY"`}
	if e.Method == http.MethodPost || e.Method == http.MethodPut || e.Method == http.MethodPatch {
		parts = append(parts, "-H 'Content-Type: application/json'", "-d @body.json")
	}
	return strings.Join(parts, " \\\n  ")
}

// problem is the problem body the request was answered with (nil for a success).
func (d *Detail) problem() *models.Problem {
	e := d.Entry
	if e.ErrorCode == "" {
		return nil
	}
	return &models.Problem{Type: "https://docs.penguinmails.com/errors/" + e.ErrorCode, Title: http.StatusText(e.Status),
		Status: e.Status, Detail: e.ErrorMessage, Error: e.ErrorCode, Message: e.ErrorMessage}
}

// View implements dialog.Dialog.
func (d *Detail) View(width, height int) string {
	e, st := d.Entry, d.st
	field := func(label, value string) string {
		return st.Label.Render(fmt.Sprintf("  %-12s", label)) + " " + common.Sanitize(value)
	}
	lines := []string{st.Heading.Render("Request " + common.Sanitize(e.RequestID)), "",
		field("Time", In(e.Time, d.Loc).Format("2006-01-02 15:04:05.000")),
		field("Request id", e.RequestID),
		field("Key", e.KeyID),
		field("Method", e.Method),
		field("Route", e.Route),
		st.Label.Render(fmt.Sprintf("  %-12s", "Status")) + " " + st.HTTPStatus(e.Status).Render(fmt.Sprint(e.Status)),
		field("Latency", fmt.Sprintf("%.1f ms", e.LatencyMS)),
		field("IP", e.IP),
	}
	if p := d.problem(); p != nil {
		b, _ := json.MarshalIndent(p, "  ", "  ")
		lines = append(lines, "", st.Heading.Render("Problem"), "  "+common.SanitizeMultiline(string(b)))
	}
	lines = append(lines, "", st.Heading.Render("Copy as curl")+st.Muted.Render(" (no secret: the key is $PENGUINMAILS_API_KEY)"),
		common.SanitizeMultiline(d.Curl()))
	return common.FitBlock(strings.Join(lines, "\n"), width, height)
}

// ShortHelp implements help.KeyMap.
func (d *Detail) ShortHelp() []key.Binding { return []key.Binding{d.copy, d.close} }

// FullHelp implements help.KeyMap.
func (d *Detail) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
