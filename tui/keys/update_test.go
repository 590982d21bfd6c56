package keys

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

func TestListKeysTable(t *testing.T) {
	cases := []struct {
		name  string
		keys  []string
		check func(t *testing.T, m *Model, msgs []tea.Msg)
	}{
		{"down moves cursor", []string{"j", "j"}, func(t *testing.T, m *Model, _ []tea.Msg) {
			if m.list.Cursor() != 2 {
				t.Fatalf("cursor %d", m.list.Cursor())
			}
		}},
		{"bottom and top", []string{"G"}, func(t *testing.T, m *Model, _ []tea.Msg) {
			if m.list.Cursor() != len(m.rows)-1 || m.list.Offset() != len(m.rows)-m.listHeight() {
				t.Fatalf("cursor %d offset %d", m.list.Cursor(), m.list.Offset())
			}
		}},
		{"page down", []string{"pgdown"}, func(t *testing.T, m *Model, _ []tea.Msg) {
			if m.list.Cursor() != m.listHeight() {
				t.Fatalf("cursor %d", m.list.Cursor())
			}
		}},
		{"filter cycles to active", []string{"f"}, func(t *testing.T, m *Model, _ []tea.Msg) {
			for _, r := range m.rows {
				if common.EffectiveKeyStatus(&m.all[r], m.ctx.Now()) != models.KeyActive {
					t.Fatal("non-active row under Active filter")
				}
			}
		}},
		{"filter expired", []string{"f", "f", "f"}, func(t *testing.T, m *Model, _ []tea.Msg) {
			if len(m.rows) == 0 || common.EffectiveKeyStatus(m.current(), m.ctx.Now()) != models.KeyExpired {
				t.Fatal("expected expired rows")
			}
		}},
		{"sort by requests", []string{"s", "s"}, func(t *testing.T, m *Model, _ []tea.Msg) {
			for i := 1; i < len(m.rows); i++ {
				if m.all[m.rows[i-1]].RequestCount < m.all[m.rows[i]].RequestCount {
					t.Fatal("not sorted by requests, most first")
				}
			}
			if !strings.Contains(commontest.Plain(m.View()), "sort Requests") {
				t.Fatal("the title does not name the sort")
			}
		}},
		{"sort by name", []string{"s", "s", "s"}, func(t *testing.T, m *Model, _ []tea.Msg) {
			for i := 1; i < len(m.rows); i++ {
				if strings.ToLower(m.meta[m.rows[i-1]].name) > strings.ToLower(m.meta[m.rows[i]].name) {
					t.Fatal("not sorted by name")
				}
			}
		}},
		{"sort by last used puts never-used last", []string{"s"}, func(t *testing.T, m *Model, _ []tea.Msg) {
			if m.all[m.rows[0]].LastUsed == nil || m.all[m.rows[len(m.rows)-1]].LastUsed != nil {
				t.Fatal("last-used order wrong")
			}
		}},
		{"search by id", append([]string{"/"}, strings.Split("key_000042", "")...), func(t *testing.T, m *Model, _ []tea.Msg) {
			if len(m.rows) != 1 || m.current().KeyID != "key_000042" {
				t.Fatalf("rows %d", len(m.rows))
			}
		}},
		{"search esc clears", []string{"/", "b", "esc"}, func(t *testing.T, m *Model, _ []tea.Msg) {
			if len(m.rows) != len(m.all) || m.searching {
				t.Fatal("search not cleared")
			}
		}},
		{"copy id", []string{"j", "c"}, func(t *testing.T, m *Model, msgs []tea.Msg) {
			if v, ok := commontest.Clipboard(msgs...); !ok || v != m.current().KeyID {
				t.Fatalf("clipboard %q", v)
			}
		}},
		{"usage navigates", []string{"u"}, func(t *testing.T, m *Model, msgs []tea.Msg) {
			for _, msg := range msgs {
				if n, ok := msg.(common.NavigateMsg); ok && n.To == common.PaneUsage && n.KeyID == m.current().KeyID && n.Name != "" {
					return
				}
			}
			t.Fatalf("no navigate in %v", msgs)
		}},
		{"n opens wizard", []string{"n"}, func(t *testing.T, m *Model, _ []tea.Msg) {
			if m.wiz() == nil || m.wiz().Editing() || m.wiz().Step() != stepBasic {
				t.Fatal("wizard not open")
			}
		}},
		{"enter opens details, esc closes", []string{"enter"}, func(t *testing.T, m *Model, _ []tea.Msg) {
			if m.detailsD() == nil || m.detailsD().keyID != m.current().KeyID {
				t.Fatal("details not open")
			}
			press(m, "esc")
			if m.detailsD() != nil {
				t.Fatal("esc did not close details")
			}
		}},
		{"R opens rotate with 24h default", []string{"R"}, func(t *testing.T, m *Model, _ []tea.Msg) {
			if m.rotateD() == nil || graceChoices[m.rotateD().Data.choice].hours != 24 {
				t.Fatal("rotate modal wrong")
			}
		}},
		{"D opens revoke", []string{"D"}, func(t *testing.T, m *Model, _ []tea.Msg) {
			if m.revokeD() == nil || m.revokeD().already {
				t.Fatal("revoke modal wrong")
			}
		}},
		{"e opens edit prefilled", []string{"e"}, func(t *testing.T, m *Model, _ []tea.Msg) {
			if m.wiz() == nil || !m.wiz().Editing() || m.wiz().Name() != m.current().Name {
				t.Fatal("edit form wrong")
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := testModel(t, 80, 24, fakeKeys(100))
			var msgs []tea.Msg
			for _, k := range tc.keys {
				msgs = append(msgs, commontest.Collect(m.Update(keyMsg(k)))...)
			}
			tc.check(t, m, msgs)
		})
	}
}

func TestCaptures(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(10))
	q := keyMsg("q")
	if m.Captures(q) || m.Captures(keyMsg("esc")) {
		t.Fatal("list must not capture q or esc")
	}
	press(m, "/")
	if !m.Captures(q) || !m.Captures(keyMsg("2")) {
		t.Fatal("search input must capture typing")
	}
	press(m, "x", "enter")
	if m.Captures(q) || !m.Captures(keyMsg("esc")) {
		t.Fatal("kept search: q is global, esc clears")
	}
	press(m, "esc", "enter")
	if !m.Captures(keyMsg("esc")) || m.Captures(keyMsg("1")) {
		t.Fatal("details: esc is ours, tabs are global")
	}
	press(m, "esc", "n")
	if !m.Captures(q) || !m.Captures(keyMsg("tab")) || m.Captures(keyMsg("ctrl+c")) {
		t.Fatal("wizard captures all but ctrl+c")
	}
}

func TestNavigateCreateOpensWizard(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	m.Update(common.NavigateMsg{To: common.PaneKeys, Action: "create"})
	if m.wiz() == nil {
		t.Fatal("wizard not opened")
	}
}

func TestStaleAndNotModified(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	old := m.poller.Start()
	m.poller.Done(old, m.ctx.Now(), nil)
	cur := m.poller.Start()
	m.Update(keysLoadedMsg{Result: res(old), pages: [][]models.APIKey{fakeKeys(50)}})
	if len(m.all) != 3 {
		t.Fatal("stale result applied")
	}
	m.Update(keysLoadedMsg{Result: res(cur), notModified: true, pages: [][]models.APIKey{fakeKeys(50)}})
	if len(m.all) != 3 {
		t.Fatal("not-modified result replaced data")
	}
}

func TestWizardDefaultsCreate(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Client = commontest.Unreachable()
	press(m, "n")
	typeText(m, "My key")
	press(m, "enter", "enter", "enter", "enter")
	if f := m.wiz(); f == nil || !f.Submitting() {
		t.Fatal("name + enter×4 did not submit")
	}
}

func TestAdminPermissionsDisabledForDeveloper(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Me.Role, m.ctx.Me.CanGrantAdmin = models.RoleDeveloper, false
	press(m, "n")
	typeText(m, "x")
	press(m, "enter", "a")
	for _, p := range m.wiz().Selected() {
		if pp, _ := models.LookupPermission(p); pp.Admin {
			t.Fatal("full access preset granted an admin permission to a developer")
		}
	}
	press(m, "up", "space") // full_access, the last entry
	if slices.Contains(m.wiz().Selected(), "full_access") || !strings.Contains(m.wiz().Err(), "admin") {
		t.Fatal("admin permission toggled or no reason shown")
	}
}

func httpErr(status int, p *models.Problem, retry time.Duration) error {
	return &client.Error{Kind: client.KindHTTP, Status: status, Problem: p, RetryAfter: retry}
}

func submitWizard(t *testing.T, m *Model) {
	t.Helper()
	press(m, "n")
	typeText(m, "Kept name")
	press(m, "enter", "enter", "enter")
	submitAs(t, m, 7)
}

func TestCreateErrors(t *testing.T) {
	t.Run("field errors jump to their step", func(t *testing.T) {
		m := testModel(t, 80, 24, fakeKeys(3))
		submitWizard(t, m)
		m.Update(createdMsg{Result: res(7), err: httpErr(422, &models.Problem{Status: 422, Errors: []models.FieldError{{Field: "name", Message: "Name already used"}}}, 0)})
		if m.wiz().Step() != stepBasic || m.wiz().FieldErr("name") != "Name already used" || m.wiz().Name() != "Kept name" {
			t.Fatalf("step %d err %q", m.wiz().Step(), m.wiz().FieldErr("name"))
		}
		if !strings.Contains(commontest.Plain(m.View()), "Name already used") {
			t.Fatal("field error not rendered")
		}
	})
	t.Run("network error keeps the form", func(t *testing.T) {
		m := testModel(t, 80, 24, fakeKeys(3))
		submitWizard(t, m)
		m.Update(createdMsg{Result: res(7), err: &client.Error{Kind: client.KindNetwork, URL: "http://x", Message: "connection refused"}})
		if m.wiz() == nil || m.wiz().Name() != "Kept name" || !strings.Contains(m.wiz().Err(), "cannot reach") || m.wiz().Submitting() {
			t.Fatal("form lost or no error")
		}
	})
	t.Run("403 disables actions with reason", func(t *testing.T) {
		m := testModel(t, 80, 24, fakeKeys(3))
		submitWizard(t, m)
		m.ctx.Me.Role = models.RoleMember
		m.Update(createdMsg{Result: res(7), err: httpErr(403, &models.Problem{Status: 403, Message: "nope"}, 0)})
		press(m, "esc", "esc", "esc", "esc", "y") // back to the first step, then discard
		press(m, "n")
		if m.wiz() != nil || !strings.Contains(m.notice, "cannot manage API keys") {
			t.Fatalf("form %v notice %q", m.wiz() != nil, m.notice)
		}
	})
	t.Run("429 disables until Retry-After", func(t *testing.T) {
		m := testModel(t, 80, 24, fakeKeys(3))
		now := commontest.Now
		m.ctx.Now = func() time.Time { return now }
		submitWizard(t, m)
		m.Update(createdMsg{Result: res(7), err: httpErr(429, &models.Problem{Status: 429}, 12*time.Second)})
		press(m, "esc", "esc", "esc", "esc", "y") // back to the first step, then discard
		press(m, "R")
		if m.rotateD() != nil || !strings.Contains(m.notice, "rate limited") {
			t.Fatal("rotate allowed while rate limited")
		}
		// The details' hint offers no action while they cannot run.
		press(m, "enter")
		hint := commontest.Plain(m.View())
		if !strings.Contains(hint, "rate limited") || !strings.Contains(hint, "copy") || strings.Contains(hint, "rotate") || strings.Contains(hint, "revoke") {
			t.Fatalf("details while rate limited:\n%s", hint)
		}
		press(m, "esc")
		now = now.Add(13 * time.Second)
		press(m, "R")
		if m.rotateD() == nil {
			t.Fatal("rotate still blocked after Retry-After")
		}
	})
	t.Run("stale result dropped", func(t *testing.T) {
		m := testModel(t, 80, 24, fakeKeys(3))
		submitWizard(t, m)
		m.Update(createdMsg{Result: res(6), plaintext: common.NewSecret(fakePlaintext), created: models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "k"}}})
		if m.onceD() != nil {
			t.Fatal("stale create result shown")
		}
	})
}

func TestShowOnceFlow(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(30))
	m.ctx.WorkDir = t.TempDir()
	press(m, "G") // cursor far from where the new key lands
	submitWizard(t, m)
	created := models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Kept name", Status: models.KeyActive, CreatedAt: commontest.Now.Add(time.Minute)}}
	m.Update(createdMsg{Result: res(7), created: created, plaintext: common.NewSecret(fakePlaintext)})
	if m.onceD() == nil {
		t.Fatal("no show-once modal")
	}
	if !m.Captures(keyMsg("q")) {
		t.Fatal("q must not quit while the key is shown")
	}
	if v, ok := commontest.Clipboard(commontest.Collect(m.Update(keyMsg("c")))...); !ok || v != fakePlaintext {
		t.Fatal("c did not copy the plaintext")
	}
	// w writes .env 0600.
	for _, msg := range commontest.Collect(m.Update(keyMsg("w"))) {
		m.Update(msg)
	}
	path := filepath.Join(m.ctx.WorkDir, ".env")
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("stat %v mode %v", err, st)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "PENGUINMAILS_API_KEY="+fakePlaintext+"\n") {
		t.Fatalf(".env: %q", b)
	}
	// Second w asks before overwriting; n keeps the file.
	os.WriteFile(path, []byte("OTHER=1\n"), 0o600)
	if cmd := m.Update(keyMsg("w")); cmd != nil || !m.onceD().askOverwrite {
		t.Fatal("overwrite not confirmed first")
	}
	press(m, "n")
	if b, _ := os.ReadFile(path); string(b) != "OTHER=1\n" {
		t.Fatal("file changed without confirmation")
	}
	for _, msg := range commontest.Collect(m.Update(keyMsg("w"))) {
		t.Fatalf("unexpected %v", msg)
	}
	for _, msg := range commontest.Collect(m.Update(keyMsg("y"))) {
		m.Update(msg)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "OTHER=1") || !strings.Contains(string(b), fakePlaintext) {
		t.Fatalf("merge wrong: %q", b)
	}
	// Closing asks first.
	press(m, "esc")
	if m.onceD() == nil || !m.onceD().askClose {
		t.Fatal("closed without confirmation")
	}
	press(m, "n")
	if m.onceD() == nil {
		t.Fatal("n closed the modal")
	}
	held := m.onceD()
	press(m, "enter", "y")
	if m.onceD() != nil || held.key.Reveal() != "" {
		t.Fatal("plaintext not wiped")
	}
	if c := m.current(); c == nil || c.KeyID != "key_new" {
		t.Fatal("cursor not on the new key")
	}
	if strings.Contains(m.View(), fakePlaintext) {
		t.Fatal("plaintext on screen after close")
	}
}

func TestSecretRedacted(t *testing.T) {
	s := common.NewSecret(fakePlaintext)
	msg := createdMsg{plaintext: s}
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v", s, s, s), fmt.Sprint(msg), fmt.Sprintf("%+v", msg)} {
		if strings.Contains(out, "FAKE") {
			t.Fatalf("leaked: %s", out)
		}
	}
}

func TestRevokeFlow(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(5))
	name := m.current().Name
	id := m.current().KeyID
	press(m, "D")
	typeText(m, "wrong")
	press(m, "enter")
	if m.revokeD().submitting || m.revokeD().typed.Err == "" {
		t.Fatal("mismatched name accepted")
	}
	for range "wrong" {
		press(m, "backspace")
	}
	typeText(m, name)
	m.ctx.Client = commontest.Unreachable()
	if cmd := m.Update(keyMsg("enter")); cmd == nil || !m.revokeD().submitting {
		t.Fatal("typed name not accepted")
	}
	m.Update(revokedMsg{Result: res(m.revokeD().reqID), keyID: id, res: models.RevokeResult{KeyID: id, RevokedAt: commontest.Now}})
	if m.revokeD() != nil || m.all[m.byID[id]].Status != models.KeyRevoked {
		t.Fatal("row not revoked in place")
	}
	press(m, "D")
	if m.revokeD() == nil || !m.revokeD().already || !strings.Contains(commontest.Plain(m.View()), "already been revoked") {
		t.Fatal("already-revoked message missing")
	}
}

func TestRotateFlow(t *testing.T) {
	m, id := rotateWith(t, "down", 168, 7*24*time.Hour)
	if m.onceD() == nil || !m.onceD().rotated {
		t.Fatal("no show-once after rotate")
	}
	old := m.all[m.byID[id]]
	if txt, _ := common.KeyStatusText(&old, m.ctx.Now()); txt != "rotated · 7 d" {
		t.Fatalf("old key status %q", txt)
	}
}

func TestEditSendsOnlyChanges(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(5))
	press(m, "e")
	typeText(m, "X")
	press(m, "enter", "enter", "enter", "enter")
	if m.wiz() == nil || !m.wiz().Confirming() || !strings.Contains(commontest.Plain(m.View()), "X") {
		t.Fatal("diff not shown")
	}
	m.ctx.Client = commontest.Unreachable()
	if cmd := m.Update(keyMsg("y")); cmd == nil || !m.wiz().Submitting() {
		t.Fatal("save did not start")
	}
	k := *m.current()
	k.Name += "X"
	m.Update(updatedMsg{Result: res(m.wiz().ReqID()), key: k})
	if m.wiz() != nil || m.current().Name != k.Name {
		t.Fatal("edit not applied locally")
	}
}

func TestErrorTextsForList(t *testing.T) {
	m := testModel(t, 80, 24, nil)
	m.loaded = false
	id := m.poller.Start()
	m.Update(keysLoadedMsg{Result: res(id), err: httpErr(http.StatusForbidden, &models.Problem{Status: 403}, 0)})
	if m.forbidden == nil || !strings.Contains(commontest.Plain(m.View()), "cannot manage API keys") {
		t.Fatal("403 on list not explained")
	}
}
