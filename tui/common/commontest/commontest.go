// Package commontest builds console contexts and plain renders for pane tests.
package commontest

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/styles"
	"github.com/penguinmails/pmdev/tui/common"
)

// Now is the fixed clock of every golden test: Mon 30 Nov 2026 14:30:00 UTC.
var Now = time.Date(2026, 11, 30, 14, 30, 0, 0, time.UTC)

// Main runs a package's tests with local time pinned to UTC: goldens
// format times in local time. Call it from TestMain.
func Main(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}

// Ago is the time d before Now, as a pointer: the form of the models'
// optional times.
func Ago(d time.Duration) *time.Time { t := Now.Add(-d); return &t }

// Context returns a context of the given pane size with a fixed clock, dark
// styles, default keys and an admin identity. c may be nil for pure view tests.
func Context(w, h int, c *client.Client) *common.Context {
	return &common.Context{
		Styles:  styles.New(true),
		Keys:    common.DefaultKeyMap(),
		Client:  c,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Refresh: common.DefaultRefresh(),
		Width:   w,
		Height:  h,
		Me: models.Me{UserID: "u_admin", Email: "admin@acme.test", Role: models.RoleAdmin,
			Tenant:        models.Tenant{ID: "t_acme", Name: "Acme", Plan: models.Plan{Name: "professional", DisplayName: "Professional", LimitPerMinute: 300, Burst: 500}},
			CanManageKeys: true, CanGrantAdmin: true},
		APIURL:  "http://127.0.0.1:8080",
		Sandbox: true,
		WorkDir: os.TempDir(),
		Files:   common.OSFiles{},
		Now:     func() time.Time { return Now },
	}
}

// Plain downsamples a rendered view to the ASCII profile (no colours, text
// attributes kept out too) so goldens are stable and readable.
func Plain(s string) string {
	var b strings.Builder
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.NoTTY}
	_, _ = w.WriteString(s)
	// Trailing spaces are layout padding; they make goldens noisy.
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// Golden compares the plain render with testdata/<TestName>.golden; run the
// test with -update to rewrite it.
func Golden(t testing.TB, view string) {
	t.Helper()
	golden.RequireEqual(t, Plain(view))
}

// Sizes are the console's two reference sizes, for goldens.
var Sizes = [][2]int{{80, 24}, {160, 48}}

// EachSize runs f as a subtest named "WxH" at each of Sizes.
func EachSize(t *testing.T, f func(t *testing.T, w, h int)) {
	t.Helper()
	for _, size := range Sizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) { f(t, size[0], size[1]) })
	}
}

// Fits fails t unless view fits a w×h pane: at most h lines, none wider
// than w cells, and no escape sequence left in its plain text (one from an
// API string would have slipped past sanitising).
func Fits(t testing.TB, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) > h {
		t.Fatalf("view has %d lines, pane is %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Fatalf("line %d is %d wide, pane is %d: %q", i, lw, w, Plain(l))
		}
	}
	if p := Plain(view); strings.Contains(p, "\x1b") || strings.Contains(p, "\x07") {
		t.Fatalf("escape sequence in view: %q", p)
	}
}
