package usage

import (
	"os"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// remoteModel is a loaded pane serving a remote (SSH) user whose error log
// holds errs; the analytics totals agree with it.
func remoteModel(t *testing.T, errs []models.RecentError) (*Model, *fakeLog) {
	t.Helper()
	m := loaded(models.Range24h, 80, 24)
	m.ctx.Remote, m.ctx.Files = true, nil
	m.ctx.WorkDir = t.TempDir()
	m.data.ErrorsBy = []models.StatusCount{{Status: 404, Count: int64(len(errs)), Percent: 100}}
	log := &fakeLog{errs: errs, pageMax: 1000}
	m.pageErrors = log.page
	return m, log
}

func noFiles(t *testing.T, dir string) {
	t.Helper()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a remote export wrote %d files on the server's disk", len(entries))
	}
}

// Over SSH, E copies a small export with OSC 52 and writes no file.
func TestRemoteExportCopiesToClipboard(t *testing.T) {
	m, log := remoteModel(t, manyErrors(120))
	start, res, _ := runExport(t, m, press(m, "E"))
	if !strings.Contains(start.Text, "for the clipboard") || res.err != nil || !res.remote || res.path != "" || res.n != 120 {
		t.Fatalf("start %+v, result %+v", start, res.export)
	}
	out := m.Update(res)()
	text, ok := commontest.Clipboard(out)
	if !ok {
		t.Fatalf("no clipboard write in %#v", out)
	}
	got, err := readCSV(strings.NewReader(text))
	if err != nil || len(got) != 120 || got[0] != log.errs[0] {
		t.Fatalf("clipboard CSV: %d rows (%v)", len(got), err)
	}
	// Over SSH only OSC 52 is sent, and the words say no more than that.
	if cm, _ := commontest.Find[common.CopiedMsg](out); cm.System || cm.Text() != "120 errors as CSV sent to the terminal clipboard (OSC 52, unconfirmed)" {
		t.Fatalf("copied %+v: %q", cm, cm.Text())
	}
	noFiles(t, m.ctx.WorkDir)
	for m.focus != secErrors {
		press(m, "]")
	}
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "E copies the recorded ones as CSV") || !strings.Contains(v, "120 rows sent to the terminal clipboard (OSC 52)") {
		t.Fatalf("errors section over SSH:\n%s", v)
	}
	// The help names what E does over SSH.
	var help []string
	for _, b := range m.KeyMap().ShortHelp() {
		help = append(help, b.Help().Desc)
	}
	if h := strings.Join(help, "|"); !strings.Contains(h, "copy errors CSV") || strings.Contains(h, "export errors CSV") {
		t.Fatalf("short help over SSH: %s", h)
	}
	// The local console keeps the file export wording.
	m.ctx.Remote, m.ctx.Files = false, common.OSFiles{}
	if b := m.KeyMap().ShortHelp(); b[5].Help().Desc != "export errors CSV" {
		t.Fatalf("local help changed: %q", b[5].Help().Desc)
	}
}

// An export too large for OSC 52 is not copied, not written, and the
// status line says what to do instead.
func TestRemoteExportTooLarge(t *testing.T) {
	check := func(t *testing.T, sm common.StatusMsg, rows string) {
		t.Helper()
		for _, want := range []string{rows + " errors are too large to copy over SSH", "narrow the range or key filter", "run pmdev locally"} {
			if !strings.Contains(sm.Text, want) {
				t.Fatalf("status %q lacks %q", sm.Text, want)
			}
		}
		if sm.Level != common.LevelWarning {
			t.Fatalf("level %v", sm.Level)
		}
	}
	t.Run("many records", func(t *testing.T) {
		m, log := remoteModel(t, manyErrors(5000))
		_, res, _ := runExport(t, m, press(m, "E"))
		sm, _ := commontest.Find[common.StatusMsg](m.Update(res)())
		check(t, sm, "over 1,638")
		if res.n != remoteMaxRows || !res.truncated || log.limits[0] != remoteMaxRows {
			t.Fatalf("read %d rows (limits %v) for the clipboard", res.n, log.limits)
		}
		noFiles(t, m.ctx.WorkDir)
	})
	t.Run("measured", func(t *testing.T) {
		errs := manyErrors(800)
		for i := range errs {
			errs[i].Message = strings.Repeat("long message ", 10) // ~800 × 200 bytes > 64 KB
		}
		m, _ := remoteModel(t, errs)
		_, res, _ := runExport(t, m, press(m, "E"))
		out := m.Update(res)()
		if _, ok := commontest.Clipboard(out); ok {
			t.Fatal("an oversized export went to the clipboard")
		}
		sm, _ := commontest.Find[common.StatusMsg](out)
		check(t, sm, "800")
		if m.exported != nil {
			t.Fatalf("oversized export kept: %+v", m.exported.n)
		}
		noFiles(t, m.ctx.WorkDir)
	})
	t.Run("more than fetched", func(t *testing.T) {
		m, _ := remoteModel(t, manyErrors(remoteMaxRows+10))
		m.data.ErrorsBy[0].Count = 100 // the log grew since the analytics answer
		_, res, _ := runExport(t, m, press(m, "E"))
		sm, _ := commontest.Find[common.StatusMsg](m.Update(res)())
		if !res.truncated {
			t.Fatal("remote export fetched past its row bound")
		}
		check(t, sm, "over 1,638")
	})
}

// During a flood the log holds records of fewer errors than were counted:
// a count too large to copy still copies the records when they fit, and
// says how many of the errors they are.
func TestRemoteExportCopiesTheRecordsOfAFlood(t *testing.T) {
	m, _ := remoteModel(t, manyErrors(70))
	m.data.ErrorsBy[0].Count = 5000
	_, res, _ := runExport(t, m, press(m, "E"))
	out := m.Update(res)()
	if _, ok := commontest.Clipboard(out); !ok || res.n != 70 {
		t.Fatalf("70 records of 5,000 errors not copied: %+v", res.export)
	}
	if cm, _ := commontest.Find[common.CopiedMsg](out); !strings.HasPrefix(cm.Text(), "70 of 5,000 errors as CSV sent") {
		t.Fatalf("copied %q", cm.Text())
	}
}
