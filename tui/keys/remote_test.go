package keys

import (
	"os"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// TestShowOnceRemoteWritesNoFile: over SSH the working directory is the
// server's, so w must write nothing and the modal offers copying instead.
func TestShowOnceRemoteWritesNoFile(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Remote, m.ctx.Files = true, nil
	m.ctx.WorkDir = t.TempDir()
	submitWizard(t, m)
	created := models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Remote", Status: models.KeyActive, CreatedAt: commontest.Now}}
	m.Update(createdMsg{Result: res(7), created: created, plaintext: secret{fakePlaintext}})
	if m.onceD() == nil {
		t.Fatal("no show-once modal")
	}
	v := commontest.Plain(m.View())
	if !strings.Contains(strings.Join(strings.Fields(strings.ReplaceAll(v, "│", " ")), " "), "copy with c (OSC 52 reaches your terminal); files can't be written over SSH") {
		t.Fatalf("modal does not explain the remote case:\n%s", v)
	}
	if strings.Contains(v, "write .env") || strings.Contains(v, "w writes") {
		t.Fatalf("modal still offers .env:\n%s", v)
	}
	for _, b := range m.KeyMap().ShortHelp() {
		if b.Help().Key == "w" {
			t.Fatal("help line offers w over SSH")
		}
	}
	var status string
	for _, msg := range commontest.Collect(m.Update(keyMsg("w"))) {
		if s, ok := msg.(common.StatusMsg); ok {
			status = s.Text
		}
		m.Update(msg)
	}
	if !strings.Contains(status, "can't be written over SSH") {
		t.Fatalf("w over SSH: status %q", status)
	}
	if entries, _ := os.ReadDir(m.ctx.WorkDir); len(entries) > 0 {
		t.Fatalf("w over SSH wrote %s", entries[0].Name())
	}
	if m.onceD().askOverwrite || m.onceD().written {
		t.Fatal("w over SSH started a write")
	}
	if v, ok := clipboardOf(commontest.Collect(m.Update(keyMsg("c")))); !ok || v != fakePlaintext {
		t.Fatal("c must still copy over SSH")
	}
}
