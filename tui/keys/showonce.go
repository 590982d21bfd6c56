package keys

import (
	"errors"
	"io/fs"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
	"github.com/penguinmails/pmdev/tui/keys/wizard"
)

// remoteNote replaces the .env offer when the console has no disk (SSH).
const remoteNote = "c sends the key to your terminal's clipboard (OSC 52), which cannot confirm it arrived: paste it to check; files can't be written over SSH"

// showOnce is the modal that shows a new plaintext key exactly once.
type showOnce struct {
	m         *Model
	key       common.Secret
	keyID     string
	name      string
	perms     []string // what the quick start may call
	rotated   bool
	oldExpiry string // "expires in 23 h" for the old key after a rotation

	copied, written bool
	// copy is how the last copy went, once known: OSC 52 cannot say, the
	// system clipboard (locally) can.
	copy         *common.CopiedMsg
	writtenPath  string
	writeErr     string
	askOverwrite bool
	askClose     bool
	writeID      uint64
}

func (m *Model) onCreated(msg createdMsg) tea.Cmd {
	wz, wizOpen := dialog.Find[*wizard.Model](&m.dialogs)
	rot, rotOpen := dialog.Find[*rotateModal](&m.dialogs)
	switch {
	case msg.rotated == "" && (!wizOpen || wz.Editing() || msg.ReqID != wz.ReqID()):
		return nil
	case msg.rotated != "" && (!rotOpen || msg.ReqID != rot.Data.reqID):
		return nil
	}
	if msg.err != nil {
		if msg.rotated != "" {
			rot.Busy = false
			rot.Err = m.actionError(msg.err)
			return nil
		}
		return wz.Failed(msg.err, m.actionError(msg.err))
	}
	k := msg.created.APIKey
	once := &showOnce{m: m, key: msg.plaintext, keyID: k.KeyID, name: common.Sanitize(k.Name), perms: k.Permissions, rotated: msg.rotated != ""}
	if msg.rotated != "" {
		m.pollSoon()
		if i, ok := m.byID[msg.rotated]; ok {
			old := m.all[i]
			old.ReplacedBy = k.KeyID
			if msg.created.OldKeyExpiresAt != nil {
				t := *msg.created.OldKeyExpiresAt
				old.ExpiresAt = &t
				if !t.After(m.ctx.Now()) {
					old.Status = models.KeyRevoked
					old.RevokedAt = &t
				}
			}
			m.applyKey(old)
			if now := m.ctx.Now(); common.EffectiveKeyStatus(&old, now) == models.KeyActive && old.ExpiresAt != nil {
				once.oldExpiry = "The old key expires in " + common.Countdown(old.ExpiresAt.Sub(now)) + "."
			} else {
				once.oldExpiry = "The old key no longer works."
			}
		}
	}
	// The wizard or rotate dialog and any details under it give way to the key.
	m.dialogs.Clear()
	m.dialogs.Push(once)
	// The new key joins the list at once; the cursor lands on it when the modal closes.
	m.applyKey(k)
	m.selectID = k.KeyID
	m.rebuild()
	return m.load(true)
}

// Update implements dialog.Dialog.
func (o *showOnce) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	m := o.m
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return o, nil
	}
	return o, o.onKey(m, km)
}

func (o *showOnce) onKey(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	k, sk := &m.ctx.Keys.Dialog, &m.ctx.Keys.Secret
	if common.IsQuit(msg) {
		// ctrl+c asks like every other way out; asked already, it quits.
		if o.askClose {
			return tea.Quit
		}
		o.askClose, o.askOverwrite = true, false
		return nil
	}
	switch {
	case o.askClose:
		// Only an explicit y closes: enter is what the wizard was driven
		// with, and one enter too many must not throw the key away.
		switch {
		case key.Matches(msg, k.Yes):
			m.closeOnce(o)
			// Replaces "copied to clipboard", which would otherwise outlive the key on screen.
			return common.Status("key closed — it will not be shown again", common.LevelInfo)
		case key.Matches(msg, k.No, k.Cancel):
			o.askClose = false
		}
		return nil
	case o.askOverwrite:
		switch {
		case key.Matches(msg, k.Yes):
			o.askOverwrite = false
			o.writeID = m.nextID()
			return writeEnv(m.ctx.Files, o.writeID, m.ctx.WorkDir, o.key)
		case key.Matches(msg, k.No, k.Cancel):
			o.askOverwrite = false
		}
		return nil
	}
	switch {
	case key.Matches(msg, sk.Copy):
		o.copied, o.copy = true, nil
		return common.Copy(m.ctx, common.PaneKeys, o.key.Reveal(), "API key")
	case key.Matches(msg, sk.Write):
		if m.ctx.Files == nil {
			// Over SSH the working directory is the server's: a .env there
			// would leave the user's key on someone else's disk.
			return common.Status("files can't be written over SSH: c copies the key", common.LevelWarning)
		}
		_, err := m.ctx.Files.Stat(envPath(m.ctx.WorkDir))
		if err == nil {
			o.askOverwrite = true
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			o.writeErr = common.Sanitize(err.Error())
			return nil
		}
		o.writeID = m.nextID()
		return writeEnv(m.ctx.Files, o.writeID, m.ctx.WorkDir, o.key)
	case key.Matches(msg, k.Accept, k.Cancel, m.ctx.Keys.Global.Quit):
		// The quit key too: it must not drop a key that is shown once.
		o.askClose = true
	}
	return nil
}

// closeOnce drops the plaintext and returns to the list on the new key.
func (m *Model) closeOnce(o *showOnce) {
	id := o.keyID
	o.key = common.Secret{}
	m.dialogs.Clear()
	m.endSearch()
	m.selectID = id
	// The new key may be hidden by a search or filter; clear them so the cursor can land on it.
	if _, ok := m.byID[id]; ok {
		m.search.SetValue("")
		m.filter = 0
	}
	m.rebuild()
}

func (m *Model) onEnvWritten(msg envWrittenMsg) tea.Cmd {
	o, ok := dialog.Find[*showOnce](&m.dialogs)
	if !ok || msg.ReqID != o.writeID {
		return nil
	}
	if msg.err != nil {
		o.writeErr = common.Sanitize(msg.err.Error())
		return nil
	}
	o.written, o.writtenPath, o.writeErr = true, msg.path, ""
	return common.Status("wrote "+msg.path+" (mode 0600)", common.LevelSuccess)
}

// View implements dialog.Dialog.
func (o *showOnce) View(width, height int) string {
	m := o.m
	st := m.ctx.Styles
	inner := max(40, width-8)
	plain := o.key.Reveal()
	var b strings.Builder
	title := "API Key Created Successfully"
	if o.rotated {
		title = "API Key Rotated"
	}
	b.WriteString(st.Title.Render(title) + "  " + st.Muted.Render(o.name) + "\n\n")
	b.WriteString(st.Warning.Render("⚠ Copy this key now. You won't be able to see it again.") + "\n")
	if o.oldExpiry != "" {
		b.WriteString(st.Muted.Render(o.oldExpiry+" Update your applications.") + "\n")
	}
	b.WriteString("\n" + st.Secret.Render(plain) + "\n\n")

	b.WriteString(o.quickStart(plain, inner))

	// Every state's footer is padded to the tallest one: a modal that
	// changed height would be re-centred, moving every line of it, and the
	// renderer then scrolls the screen region instead of rewriting one line
	// (a blank pane over SSH until a resize repainted it).
	footers := [][]string{o.footer(inner), o.askCloseLines(), o.askOverwriteLines(inner)}
	cur := footers[0]
	switch {
	case o.askClose:
		cur = footers[1]
	case o.askOverwrite:
		cur = footers[2]
	}
	n := 0
	for _, f := range footers {
		n = max(n, len(f))
	}
	for len(cur) < n {
		cur = append(cur, "")
	}
	b.WriteString(strings.Join(cur, "\n"))
	return modal(st.Modal.Padding(0, 1).Render(b.String()), width, height)
}

// quickCall is a product call a quick start can show and the permission it needs.
type quickCall struct{ perm, method, path, body string }

// quickStarts are the product calls a quick start may show, best first:
// the first one the key may make is shown.
var quickStarts = []quickCall{
	{"send_email", "POST", "/api/v1/emails/send", `{"to":"you@example.com","subject":"Hi","text_body":"Hello"}`},
	{"read_campaigns", "GET", "/api/v1/campaigns", ""},
	{"read_analytics", "GET", "/api/v1/analytics/campaigns/cmp_1001", ""},
	{"write_contacts", "POST", "/api/v1/contacts", `{"email":"you@example.com"}`},
}

// quickStart is a cURL call the key's permissions allow, with the full key
// when it fits on a line, else the env var form; "" when the key may make
// none of them, since a call the server refuses is no start.
func (o *showOnce) quickStart(plain string, inner int) string {
	m := o.m
	st := m.ctx.Styles
	full := slices.Contains(o.perms, "full_access")
	i := slices.IndexFunc(quickStarts, func(q quickCall) bool {
		return full || slices.Contains(o.perms, q.perm)
	})
	if i < 0 {
		return ""
	}
	q := quickStarts[i]
	auth := `  -H "Authorization: Bearer ` + plain + `"`
	viaEnv := ansi.StringWidth(auth+` \`) > inner
	if viaEnv {
		auth = `  -H "Authorization: Bearer $` + envVar + `"`
	}
	api := strings.TrimRight(m.ctx.APIURL, "/")
	if api == "" {
		api = "https://api.penguinmails.com"
	}
	lines := []string{"curl " + api + q.path + " \\", auth}
	if q.method != "GET" {
		lines = []string{"curl -X " + q.method + " " + api + q.path + " \\", auth + ` \`,
			`  -H "Content-Type: application/json" \`, `  -d '` + q.body + `'`}
	}
	var b strings.Builder
	b.WriteString(st.Heading.Render("Quick start (cURL)") + "\n")
	for _, l := range lines {
		b.WriteString(st.Code.Render(common.Truncate(l, inner)) + "\n")
	}
	if viaEnv {
		hint := "Set " + envVar + " to the key above first (w writes it to .env)."
		if m.ctx.Files == nil {
			hint = "Set " + envVar + " to the key above first."
		}
		b.WriteString(st.Muted.Render(common.Truncate(hint, inner)) + "\n")
	}
	return b.String() + "\n"
}

func (o *showOnce) askCloseLines() []string {
	st := o.m.ctx.Styles
	return []string{st.Warning.Render("The key will not be shown again. Close? y/n") + st.Muted.Render(" (ctrl+c quits)")}
}

func (o *showOnce) askOverwriteLines(inner int) []string {
	st := o.m.ctx.Styles
	text := ansi.Wrap(envPath(o.m.ctx.WorkDir)+" exists. Set "+envVar+" in it (other lines are kept)? y/n", inner, "/ ")
	return strings.Split(st.Warning.Render(text), "\n")
}

// onceFooter is the modal's usual last lines: what was done, then the keys.
func (o *showOnce) footer(inner int) []string {
	m := o.m
	st := m.ctx.Styles
	// The copy and the file each keep their row even when empty, so
	// copying or writing does not grow the modal. The copy row says what
	// the copy reached (the status line says why a system copy failed).
	copyRow := ""
	switch c := o.copy; {
	case !o.copied:
	case c != nil && c.System && c.Err == nil:
		copyRow = st.Success.Render("✓ copied to the system clipboard") + st.Muted.Render(" · also sent via OSC 52")
	case c != nil && c.System && common.NoSystemClipboard(c.Err):
		copyRow = st.Muted.Render("sent by OSC 52 (unconfirmed) · no system clipboard")
	case c != nil && c.System:
		copyRow = st.Muted.Render("sent by OSC 52 (unconfirmed) · system clipboard failed")
	default:
		copyRow = st.Muted.Render("sent by OSC 52, unconfirmed: paste to check")
	}
	copyRow = common.Truncate(copyRow, inner)
	if m.ctx.Files == nil {
		lines := []string{st.Key.Render("c") + st.Muted.Render(" copy key · ") +
			st.Key.Render("enter") + st.Muted.Render(" I've saved my key")}
		lines = append(lines, strings.Split(st.Muted.Render(ansi.Wrap(remoteNote, inner, " ")), "\n")...)
		return append(lines, copyRow)
	}
	fileRow := ""
	switch {
	case o.writeErr != "":
		fileRow = st.Danger.Render("✗ " + o.writeErr)
	case o.written:
		fileRow = st.Success.Render("✓ written to " + o.writtenPath)
	}
	return []string{st.Key.Render("c") + st.Muted.Render(" copy key · ") +
		st.Key.Render("w") + st.Muted.Render(" write .env (mode 0600) · ") +
		st.Key.Render("enter") + st.Muted.Render(" I've saved my key"),
		st.Muted.Render("Keep .env out of version control (add it to .gitignore)."),
		copyRow, common.Truncate(fileRow, inner)}
}

// ShortHelp implements help.KeyMap.
func (o *showOnce) ShortHelp() []key.Binding {
	k, sk := &o.m.ctx.Keys.Dialog, &o.m.ctx.Keys.Secret
	copyKey, done := common.WithHelp(sk.Copy, "copy key"), common.WithHelp(k.Accept, "done")
	switch {
	case o.askClose:
		return []key.Binding{common.WithHelp(k.Yes, "close"), common.WithHelp(k.No, "keep open")}
	case o.askOverwrite:
		return []key.Binding{common.WithHelp(k.Yes, "update .env"), common.WithHelp(k.No, "cancel")}
	case o.m.ctx.Files == nil:
		return []key.Binding{copyKey, done}
	}
	return []key.Binding{copyKey, sk.Write, done}
}

// FullHelp implements help.KeyMap.
func (o *showOnce) FullHelp() [][]key.Binding { return [][]key.Binding{o.ShortHelp()} }
