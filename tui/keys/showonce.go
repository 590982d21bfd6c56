package keys

import (
	"errors"
	"io/fs"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// remoteNote replaces the .env offer when the console runs over SSH.
const remoteNote = "copy with c (OSC 52 reaches your terminal); files can't be written over SSH"

// showOnce is the modal that shows a new plaintext key exactly once.
type showOnce struct {
	key       secret
	keyID     string
	name      string
	rotated   bool
	oldExpiry string // "expires in 23 h" for the old key after a rotation

	copied, written bool
	writtenPath     string
	writeErr        string
	askOverwrite    bool
	askClose        bool
	writeID         uint64
}

func (m *Model) onCreated(msg createdMsg) tea.Cmd {
	switch {
	case msg.rotated == "" && (m.form == nil || m.form.edit || msg.ReqID != m.form.reqID):
		return nil
	case msg.rotated != "" && (m.rotate == nil || msg.ReqID != m.rotate.reqID):
		return nil
	}
	if msg.err != nil {
		if msg.rotated != "" {
			m.rotate.submitting = false
			m.rotate.err = m.actionError(msg.err)
			return nil
		}
		return m.formFailed(msg.err)
	}
	k := msg.created.APIKey
	m.form, m.rotate = nil, nil
	once := &showOnce{key: msg.plaintext, keyID: k.KeyID, name: common.Sanitize(k.Name), rotated: msg.rotated != ""}
	if msg.rotated != "" {
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
			if txt, kind := statusText(&old, m.ctx.Now()); kind == "grace" {
				once.oldExpiry = "The old key " + txt + "."
			} else {
				once.oldExpiry = "The old key no longer works."
			}
		}
	}
	m.once = once
	m.details = nil
	// The new key joins the list at once; the cursor lands on it when the modal closes.
	m.applyKey(k)
	m.selectID = k.KeyID
	m.rebuild()
	return m.load(true)
}

func (m *Model) keyOnce(msg tea.KeyPressMsg) tea.Cmd {
	o := m.once
	switch {
	case o.askClose:
		// Only an explicit y closes: enter is what the wizard was driven
		// with, and one enter too many must not throw the key away.
		switch msg.String() {
		case "y", "Y":
			m.closeOnce()
			// Replaces "copied to clipboard", which would otherwise outlive the key on screen.
			return common.Status("key closed — it will not be shown again", common.LevelInfo)
		case "n", "N", "esc":
			o.askClose = false
		}
		return nil
	case o.askOverwrite:
		switch msg.String() {
		case "y":
			o.askOverwrite = false
			o.writeID = m.nextID()
			return writeEnv(o.writeID, m.ctx.WorkDir, o.key)
		case "n", "esc":
			o.askOverwrite = false
		}
		return nil
	}
	switch msg.String() {
	case "c":
		o.copied = true
		return tea.Batch(tea.SetClipboard(o.key.reveal()), common.Status("API key copied to clipboard", common.LevelSuccess))
	case "w":
		if m.ctx.Remote {
			// The working directory is the server's: a .env there would
			// leave the user's key on someone else's disk.
			return common.Status("files can't be written over SSH: c copies the key", common.LevelWarning)
		}
		_, err := os.Stat(envPath(m.ctx.WorkDir))
		if err == nil {
			o.askOverwrite = true
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			o.writeErr = common.Sanitize(err.Error())
			return nil
		}
		o.writeID = m.nextID()
		return writeEnv(o.writeID, m.ctx.WorkDir, o.key)
	case "enter", "esc", "q":
		o.askClose = true
	}
	return nil
}

// closeOnce drops the plaintext and returns to the list on the new key.
func (m *Model) closeOnce() {
	id := m.once.keyID
	m.once.key = secret{}
	m.once = nil
	m.details = nil
	m.searching = false
	m.search.Blur()
	m.selectID = id
	// The new key may be hidden by a search or filter; clear them so the cursor can land on it.
	if _, ok := m.byID[id]; ok {
		m.search.SetValue("")
		m.filter = 0
	}
	m.rebuild()
}

func (m *Model) onEnvWritten(msg envWrittenMsg) tea.Cmd {
	if m.once == nil || msg.ReqID != m.once.writeID {
		return nil
	}
	if msg.err != nil {
		m.once.writeErr = common.Sanitize(msg.err.Error())
		return nil
	}
	m.once.written, m.once.writtenPath, m.once.writeErr = true, msg.path, ""
	return common.Status("wrote "+msg.path+" (mode 0600)", common.LevelSuccess)
}

func (m *Model) viewOnce() string {
	o := m.once
	st := m.ctx.Styles
	inner := max(40, m.width-8)
	plain := o.key.reveal()
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

	// Quick start: the full command when it fits on a line, else the env var form.
	b.WriteString(st.Heading.Render("Quick start (cURL)") + "\n")
	auth := `  -H "Authorization: Bearer ` + plain + `" \`
	viaEnv := ansi.StringWidth(auth) > inner
	if viaEnv {
		auth = `  -H "Authorization: Bearer $` + envVar + `" \`
	}
	api := strings.TrimRight(m.ctx.APIURL, "/")
	if api == "" {
		api = "https://api.penguinmails.com"
	}
	lines := []string{
		"curl -X POST " + api + "/api/v1/emails/send \\",
		auth,
		`  -H "Content-Type: application/json" \`,
		`  -d '{"to":"you@example.com","subject":"Hi","text_body":"Hello"}'`,
	}
	for _, l := range lines {
		b.WriteString(st.Code.Render(truncate(l, inner)) + "\n")
	}
	if viaEnv {
		hint := "Set " + envVar + " to the key above first (w writes it to .env)."
		if m.ctx.Remote {
			hint = "Set " + envVar + " to the key above first."
		}
		b.WriteString(st.Muted.Render(truncate(hint, inner)) + "\n")
	}
	b.WriteString("\n")

	// Every state's footer is padded to the tallest one: a modal that
	// changed height would be re-centred, moving every line of it, and the
	// renderer then scrolls the screen region instead of rewriting one line
	// (a blank pane over SSH until a resize repainted it).
	footers := [][]string{m.onceFooter(inner), m.onceAskClose(), m.onceAskOverwrite(inner)}
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
	return st.Modal.Padding(0, 1).Render(b.String())
}

func (m *Model) onceAskClose() []string {
	st := m.ctx.Styles
	return []string{st.Warning.Render("The key will not be shown again. Close? y/n")}
}

func (m *Model) onceAskOverwrite(inner int) []string {
	st := m.ctx.Styles
	text := ansi.Wrap(envPath(m.ctx.WorkDir)+" exists. Set "+envVar+" in it (other lines are kept)? y/n", inner, "/ ")
	return strings.Split(st.Warning.Render(text), "\n")
}

// onceFooter is the modal's usual last lines: what was done, then the keys.
func (m *Model) onceFooter(inner int) []string {
	o := m.once
	st := m.ctx.Styles
	var done []string
	if o.copied {
		done = append(done, st.Success.Render("✓ copied"))
	}
	if o.written {
		done = append(done, st.Success.Render("✓ written to "+o.writtenPath))
	}
	if o.writeErr != "" {
		done = append(done, st.Danger.Render("✗ "+o.writeErr))
	}
	// The "done" line keeps its row (the last) even when empty, so copying
	// does not grow the modal either.
	doneLine := strings.Join(done, "  ")
	if m.ctx.Remote {
		lines := []string{st.Key.Render("c") + st.Muted.Render(" copy key · ") +
			st.Key.Render("enter") + st.Muted.Render(" I've saved my key")}
		lines = append(lines, strings.Split(st.Muted.Render(ansi.Wrap(remoteNote, inner, " ")), "\n")...)
		return append(lines, doneLine)
	}
	return []string{st.Key.Render("c") + st.Muted.Render(" copy key · ") +
		st.Key.Render("w") + st.Muted.Render(" write .env (mode 0600) · ") +
		st.Key.Render("enter") + st.Muted.Render(" I've saved my key"),
		st.Muted.Render("Keep .env out of version control (add it to .gitignore)."),
		doneLine}
}
