package docs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// TempKeyName names the sandbox key minted for Try it (key names allow
// letters, digits, spaces, hyphens, underscores and periods only).
const TempKeyName = "pmdev try-it temporary"

// TempKeyTTL is how long that key lives.
const TempKeyTTL = 24 * time.Hour

// tryField is one editable path or query parameter.
type tryField struct {
	param models.DocParam
	input textinput.Model
}

// tryIt is the "Try it" screen for one operation, a dialog on the pane's
// stack.
type tryIt struct {
	m        *Model
	op       models.DocOperation
	fields   []tryField
	key      textinput.Model
	hasKey   bool
	body     textarea.Model
	hasBody  bool
	focusIdx int // fields…, key, body, send

	sending bool
	reqID   uint64
	resp    *client.RawResponse
	respErr string
	formErr string
	note    string
	scroll  int
	lines   []string // rendered response
}

// tryMsg is the outcome of a Try it request.
type tryMsg struct {
	common.Result
	minted    string // a temporary key minted for this request, if any
	mintErr   error
	resp      client.RawResponse
	err       error
	validated bool
}

// TryResponse is the last Try it answer, for tests and the SSH bridge.
func (m *Model) TryResponse() (client.RawResponse, bool) {
	t, ok := dialog.Find[*tryIt](&m.dialogs)
	if !ok || t.resp == nil {
		return client.RawResponse{}, false
	}
	return *t.resp, true
}

// TryError is the form or network error shown by Try it, if any.
func (m *Model) TryError() string {
	t, ok := dialog.Find[*tryIt](&m.dialogs)
	if !ok {
		return ""
	}
	if t.formErr != "" {
		return t.formErr
	}
	return t.respErr
}

// TryOpen reports whether the Try it screen is showing.
func (m *Model) TryOpen() bool { return dialog.Has[*tryIt](&m.dialogs) }

func (m *Model) openTry() tea.Cmd {
	a, ok := m.currentOp()
	if !ok {
		return common.Status("Try it works on endpoint pages — open one from the sidebar", common.LevelWarning)
	}
	if m.ctx.Client == nil {
		return common.Status("Try it needs an API connection", common.LevelWarning)
	}
	t := &tryIt{m: m, op: a.op}
	for _, p := range a.op.Params {
		if p.In != "path" && p.In != "query" {
			continue
		}
		in := common.NewInput("", 0)
		in.CharLimit = 200
		in.Placeholder = p.Example
		if p.In == "path" || p.Required {
			in.SetValue(p.Example)
		}
		t.fields = append(t.fields, tryField{param: p, input: in})
	}
	if a.op.Auth == models.DocAuthAPIKey {
		t.hasKey = true
		t.key = common.NewInput("", 0)
		t.key.EchoMode = textinput.EchoPassword
		t.key.EchoCharacter = '•'
		t.key.CharLimit = 100
		if m.ctx.Sandbox {
			t.key.Placeholder = "empty: a temporary sandbox test key"
		} else {
			t.key.Placeholder = "paste a pm_live_… or pm_test_… key"
		}
	}
	if a.op.Body != "" || a.op.Method == http.MethodPost || a.op.Method == http.MethodPatch || a.op.Method == http.MethodPut {
		t.hasBody = true
		t.body = textarea.New()
		st := t.body.Styles()
		st.Cursor.Blink = false
		t.body.SetStyles(st)
		t.body.ShowLineNumbers = false
		t.body.Prompt = ""
		t.body.CharLimit = 64 << 10
		t.body.SetValue(a.op.Body)
		t.body.MoveToBegin()
	}
	m.dialogs.Push(t)
	t.resize(m)
	return t.focus(0)
}

func (t *tryIt) slots() int {
	n := len(t.fields) + 1 // + send
	if t.hasKey {
		n++
	}
	if t.hasBody {
		n++
	}
	return n
}

// slot names what focus index i is: "field", "key", "body" or "send".
func (t *tryIt) slot(i int) string {
	switch {
	case i < len(t.fields):
		return "field"
	case t.hasKey && i == len(t.fields):
		return "key"
	case t.hasBody && i == t.slots()-2:
		return "body"
	}
	return "send"
}

func (t *tryIt) focus(i int) tea.Cmd {
	n := t.slots()
	i = (i%n + n) % n
	for j := range t.fields {
		t.fields[j].input.Blur()
	}
	if t.hasKey {
		t.key.Blur()
	}
	if t.hasBody {
		t.body.Blur()
	}
	t.focusIdx = i
	switch t.slot(i) {
	case "field":
		return t.fields[i].input.Focus()
	case "key":
		return t.key.Focus()
	case "body":
		return t.body.Focus()
	}
	return nil
}

// bodyHeight is the editor's height. It does not depend on whether a
// response is shown: shrinking the editor on send hid the body being
// edited; the response area below scrolls instead.
func (t *tryIt) bodyHeight(m *Model) int {
	return max(5, min(12, (m.height-len(t.fields)-8)*3/5))
}

// tryLabelWidth is the cells before a field's input: mark and name.
const tryLabelWidth = 2 + 12

func (t *tryIt) resize(m *Model) {
	// The input ends one cell short of the edge, where its cursor goes.
	w := max(20, m.width-tryLabelWidth-1)
	for i := range t.fields {
		t.fields[i].input.SetWidth(w)
	}
	if t.hasKey {
		t.key.SetWidth(w)
	}
	if t.hasBody {
		t.body.SetWidth(max(20, m.width-2))
		t.body.SetHeight(t.bodyHeight(m))
	}
	t.renderResponse(m)
}

// SetSize implements dialog.Resizer.
func (t *tryIt) SetSize(int, int) { t.resize(t.m) }

// ShortHelp implements help.KeyMap.
func (t *tryIt) ShortHelp() []key.Binding {
	k := &t.m.ctx.Keys.Dialog
	return []key.Binding{
		common.Joined("next/prev field", k.NextField, k.PrevField),
		common.WithHelp(k.Accept, "send (on a field or Send)"),
		common.Joined("scroll response", k.PageUp, k.PageDown),
		common.WithHelp(k.Cancel, "close"),
	}
}

// FullHelp implements help.KeyMap.
func (t *tryIt) FullHelp() [][]key.Binding { return [][]key.Binding{t.ShortHelp()} }

// Update implements dialog.Dialog.
func (t *tryIt) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	k := &t.m.ctx.Keys.Dialog
	if km, ok := msg.(tea.KeyPressMsg); ok && !common.TypesText(km) {
		inBody := t.slot(t.focusIdx) == "body"
		switch {
		case key.Matches(km, k.Cancel):
			return nil, nil
		case key.Matches(km, k.NextField):
			return t, t.focus(t.focusIdx + 1)
		case key.Matches(km, k.PrevField):
			return t, t.focus(t.focusIdx - 1)
		case key.Matches(km, k.PageDown):
			t.scroll = min(t.scroll+5, max(0, len(t.lines)-1))
			return t, nil
		case key.Matches(km, k.PageUp):
			t.scroll = max(0, t.scroll-5)
			return t, nil
		case key.Matches(km, k.Accept) && !inBody:
			return t, t.send(t.m)
		case key.Matches(km, k.Up) && !inBody:
			return t, t.focus(t.focusIdx - 1)
		case key.Matches(km, k.Down) && !inBody:
			return t, t.focus(t.focusIdx + 1)
		}
	}
	return t, t.edit(msg)
}

// edit sends msg to the focused field.
func (t *tryIt) edit(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch t.slot(t.focusIdx) {
	case "field":
		t.fields[t.focusIdx].input, cmd = t.fields[t.focusIdx].input.Update(msg)
	case "key":
		t.key, cmd = t.key.Update(msg)
		if p, ok := msg.(tea.PasteMsg); ok && strings.TrimSpace(p.Content) != p.Content {
			t.key.SetValue(strings.TrimSpace(t.key.Value()))
		}
	case "body":
		t.body, cmd = t.body.Update(msg)
	}
	t.formErr = ""
	return cmd
}

// request builds the path, query and body from the form, or explains what
// is wrong with it.
func (t *tryIt) request() (string, url.Values, []byte, error) {
	p := t.op.Path
	q := url.Values{}
	for _, f := range t.fields {
		v := strings.TrimSpace(f.input.Value())
		switch f.param.In {
		case "path":
			if v == "" {
				return "", nil, nil, fmt.Errorf("path parameter %s is required", f.param.Name)
			}
			p = strings.ReplaceAll(p, "{"+f.param.Name+"}", url.PathEscape(v))
		case "query":
			if v != "" {
				q.Set(f.param.Name, v)
			} else if f.param.Required {
				return "", nil, nil, fmt.Errorf("query parameter %s is required", f.param.Name)
			}
		}
	}
	var body []byte
	if t.hasBody {
		raw := strings.TrimSpace(t.body.Value())
		if raw != "" {
			var v any
			if err := json.Unmarshal([]byte(raw), &v); err != nil {
				return "", nil, nil, fmt.Errorf("body is not valid JSON: %s", jsonErr(raw, err))
			}
			body = []byte(raw)
		}
	}
	return p, q, body, nil
}

// jsonErr adds the line and column (both from 1) to a JSON syntax error.
// Offset counts the bytes read including the offending one, so the error
// is at Offset-1; at the end of the input it points just past the text.
func jsonErr(raw string, err error) string {
	se, ok := err.(*json.SyntaxError)
	if !ok {
		return err.Error()
	}
	at := min(int(se.Offset), len(raw))
	if at > 0 && int(se.Offset) <= len(raw) && !strings.Contains(se.Error(), "end of JSON input") {
		at-- // the offending byte itself
	}
	before := raw[:at]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndex(before, "\n")+1:]) + 1
	return fmt.Sprintf("%v (line %d, column %d)", err, line, col)
}

func (t *tryIt) send(m *Model) tea.Cmd {
	if t.sending {
		return nil
	}
	path, query, body, err := t.request()
	if err != nil {
		t.formErr = err.Error()
		return nil
	}
	bearer, mint, reuse := "", false, false
	if t.hasKey {
		bearer = strings.TrimSpace(t.key.Value())
		switch {
		case bearer == "" && m.ctx.Sandbox && m.tempKey != "":
			bearer, reuse = m.tempKey, true
		case bearer == "" && m.ctx.Sandbox:
			mint = true
		case bearer == "":
			t.formErr = "paste an API key (pm_live_… or pm_test_…) to call this endpoint"
			return nil
		case !models.ValidKeyChecksum(bearer):
			// Caught offline: no request leaves the machine with a typo.
			t.formErr = "that is not a valid API key: the prefix, length or checksum is wrong (check for a typo or a truncated paste)"
			return nil
		}
	}
	t.sending, t.formErr, t.respErr = true, "", ""
	m.tryReq++
	t.reqID = m.tryReq
	res := common.Result{Pane: common.PaneDocs, ReqID: t.reqID}
	c, method, now, me := m.ctx.Client, t.op.Method, m.now(), m.ctx.Me.Email
	return tea.Batch(m.spin.Tick, func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out := tryMsg{Result: res, validated: true}
		mintKey := func() bool {
			revokeTempKeys(ctx, c, me, now)
			exp := now.Add(TempKeyTTL)
			k, err := c.CreateKey(ctx, models.CreateAPIKeyRequest{
				Name: TempKeyName, Description: "Created by the docs Try it; expires on its own.",
				Environment: models.EnvTest, Permissions: models.PresetFullAccess(false), ExpiresAt: &exp,
			})
			if err != nil {
				out.mintErr = err
				return false
			}
			out.minted, bearer = k.Plaintext, k.Plaintext
			return true
		}
		if mint && !mintKey() {
			return out
		}
		out.resp, out.err = c.Raw(ctx, method, path, query, body, bearer)
		// The session's temporary key was revoked meanwhile (by hand, or
		// by another session's clean-up): mint a new one, once.
		if reuse && out.err == nil && out.resp.Status == http.StatusUnauthorized && mintKey() {
			out.resp, out.err = c.Raw(ctx, method, path, query, body, bearer)
		}
		return out
	})
}

// TempKeyBusy: a temporary key created or used this recently may serve
// another open session of the same user, so clean-up leaves it alone.
const TempKeyBusy = 15 * time.Minute

// revokeTempKeys revokes the temporary keys an earlier session minted for
// this user and left idle: their plaintext is gone, so they could only
// pile up. Best effort: a failure leaves them to expire and never stops
// Try it.
func revokeTempKeys(ctx context.Context, c *client.Client, email string, now time.Time) {
	if email == "" {
		return
	}
	list, err := c.ListKeys(ctx, models.KeyListParams{Q: TempKeyName, Status: models.KeyActive, PerPage: 100})
	if err != nil {
		return
	}
	for _, k := range list.APIKeys {
		busy := now.Sub(k.CreatedAt) < TempKeyBusy || (k.LastUsed != nil && now.Sub(*k.LastUsed) < TempKeyBusy)
		if k.Name == TempKeyName && k.CreatedBy == email && k.Environment == models.EnvTest && !busy {
			_, _ = c.RevokeKey(ctx, k.KeyID)
		}
	}
}

// handle takes a tryMsg for the open Try it screen.
func (t *tryIt) handle(m *Model, msg tryMsg) tea.Cmd {
	if msg.ReqID != t.reqID {
		return nil
	}
	t.sending = false
	if msg.minted != "" {
		m.tempKey = msg.minted
		t.note = "using temporary sandbox key " + models.MaskKey(msg.minted) + " (test, expires in 24 h)"
	}
	switch {
	case msg.mintErr != nil:
		t.respErr = "could not create a temporary key: " + common.ErrorText(msg.mintErr, m.ctx.Me.Role)
		t.resp = nil
	case msg.err != nil:
		t.respErr = common.ErrorText(msg.err, m.ctx.Me.Role)
		t.resp = nil
	default:
		r := msg.resp
		t.resp = &r
		t.respErr = ""
	}
	t.scroll = 0
	t.resize(m)
	return nil
}
