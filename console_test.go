package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/penguinmails/pmdev/tui"
	"github.com/penguinmails/pmdev/tui/common"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigValidationNamesTheField(t *testing.T) {
	cases := map[string]string{
		"profiles:\n  prod: {token_env: X}\n":                                   "profiles.prod.api_url: required",
		"profiles:\n  prod: {api_url: ftp://x}\n":                               "profiles.prod.api_url",
		"profiles:\n  prod: {api_url: https://a.b/api/v1}\n":                    "without /api/v1",
		"profiles:\n  p: {api_url: https://a.b, token: abc}\n":                  "profiles.p.token",
		"profiles:\n  p: {api_url: https://a.b, token_env: A, token_file: B}\n": "profiles.p: set only one",
		"default_profile: nope\n":                                               "default_profile",
		"refresh: {usage: fast}\n":                                              "refresh.usage",
		"refresh: {nonsense: 2s}\n":                                             "refresh.nonsense: unknown source",
		"keys: {global.quit: ['1']}\n":                                          "global",
		"keys: {global.fly: [x]}\n":                                             "keys.global.fly",
		"colour: true\n":                                                        "colour",
		"mous: true\n":                                                          "line 1: unknown field \"mous\"",
	}
	for body, want := range cases {
		_, err := loadConfig(writeConfig(t, body), true)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "main.") {
			t.Errorf("config %q: err = %v, want it to mention %q (and no Go type names)", body, err, want)
		}
	}
	cfg, err := loadConfig(writeConfig(t, "profiles:\n  prod: {api_url: 'https://api.example', token_env: PM_TOK}\ndefault_profile: prod\nrefresh: {keys: 0, usage: 100ms}\nkeys: {global.quit: [Q]}\n"), true)
	if err != nil || cfg.Profiles["prod"].TokenEnv != "PM_TOK" {
		t.Fatalf("valid config: %+v, %v", cfg, err)
	}
	if _, err := loadConfig(filepath.Join(t.TempDir(), "missing.yaml"), false); err != nil {
		t.Fatalf("a missing default config is fine: %v", err)
	}
	if _, err := loadConfig(filepath.Join(t.TempDir(), "missing.yaml"), true); err == nil {
		t.Fatal("a missing PMDEV_CONFIG must be an error")
	}
}

func TestRefreshFlag(t *testing.T) {
	m, err := parseRefreshFlag("ratelimits=500ms, usage=0,keys=45s")
	if err != nil {
		t.Fatal(err)
	}
	r, err := applyRefresh(common.DefaultRefresh(), m, "--refresh ")
	if err != nil {
		t.Fatal(err)
	}
	if r.RateLimits != time.Second || r.Usage != 0 || r.Keys != 45*time.Second || r.Webhooks != 15*time.Second {
		t.Fatalf("refresh = %+v (floor 1s, 0 off)", r)
	}
	if _, err := parseRefreshFlag("usage"); err == nil {
		t.Fatal("want error for a missing =")
	}
	if _, err := applyRefresh(common.DefaultRefresh(), map[string]string{"usage": "-1s"}, ""); err == nil {
		t.Fatal("negative interval accepted")
	}
}

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestResolveSetup(t *testing.T) {
	cfgPath := writeConfig(t, "profiles:\n  prod: {api_url: 'https://api.example', token_env: PM_TOK}\n  stage: {api_url: 'http://127.0.0.1:9000', token: pm_pat_inline}\n")
	base := map[string]string{"PMDEV_CONFIG": cfgPath, "PM_TOK": "pm_pat_fromenv"}
	parse := func(args ...string) *consoleFlags {
		f, err := parseConsoleFlags(args, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	s, err := resolveSetup(parse(), env(base))
	if err != nil || !s.sandbox || s.email != "admin@acme.test" {
		t.Fatalf("no API configured → sandbox as admin: %+v %v", s, err)
	}
	s, err = resolveSetup(parse("--as", "member"), env(base))
	if err != nil || s.email != "viewer@acme.test" {
		t.Fatalf("--as member: %+v %v", s, err)
	}
	if _, err := resolveSetup(parse("--as", "root"), env(base)); err == nil {
		t.Fatal("--as root accepted")
	}
	s, err = resolveSetup(parse("--profile", "prod"), env(base))
	if err != nil || s.sandbox || s.apiURL != "https://api.example" || s.token != "pm_pat_fromenv" {
		t.Fatalf("--profile prod: %+v %v", s, err)
	}
	withEnv := map[string]string{"PMDEV_CONFIG": cfgPath, "PENGUINMAILS_API_URL": "https://x.example", "PENGUINMAILS_TOKEN": "pm_pat_env", "NO_COLOR": "1"}
	s, err = resolveSetup(parse(), env(withEnv))
	if err != nil || s.apiURL != "https://x.example" || s.token != "pm_pat_env" || !s.noColor {
		t.Fatalf("env: %+v %v", s, err)
	}
	s, err = resolveSetup(parse("--token", "pm_pat_flag"), env(withEnv))
	if err != nil || s.token != "pm_pat_flag" {
		t.Fatalf("--token wins: %+v %v", s, err)
	}
	s, err = resolveSetup(parse("--sandbox"), env(withEnv))
	if err != nil || !s.sandbox {
		t.Fatalf("--sandbox forces the sandbox: %+v %v", s, err)
	}
	_, err = resolveSetup(parse("--api-url", "https://y.example"), env(map[string]string{"PMDEV_CONFIG": cfgPath}))
	if err == nil || !strings.Contains(err.Error(), "PENGUINMAILS_TOKEN") {
		t.Fatalf("missing token: %v", err)
	}
	if _, err := resolveSetup(parse("--profile", "nope"), env(base)); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("unknown profile: %v", err)
	}
	if _, err := resolveSetup(parse("--sandbox", "--api-url", "https://z"), env(base)); err == nil {
		t.Fatal("--sandbox with --api-url accepted")
	}
	if _, err := resolveSetup(parse("--refresh", "usage=abc"), env(base)); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("bad --refresh: %v", err)
	}
}

func TestHelpVersionCompletion(t *testing.T) {
	t.Setenv("PENGUINMAILS_TOKEN", "pm_pat_mustnotappear")
	var out, errb bytes.Buffer
	// Help goes to stdout so `pmdev --help | less` works.
	if code := run([]string{"--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "--sandbox") {
		t.Fatalf("--help: %d %q", code, out.String())
	}
	if strings.Contains(out.String()+errb.String(), "mustnotappear") {
		t.Fatal("help printed the token")
	}
	out.Reset()
	if code := run([]string{"--version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "pmdev ") {
		t.Fatalf("--version: %d %q", code, out.String())
	}
	for _, sh := range []string{"bash", "zsh", "fish"} {
		out.Reset()
		if code := run([]string{"completion", sh}, &out, &errb); code != 0 || !strings.Contains(out.String(), "sandbox-traffic") {
			t.Errorf("completion %s: %d", sh, code)
		}
	}
	if code := run([]string{"completion", "tcsh"}, &out, &errb); code != 2 {
		t.Errorf("completion tcsh: exit %d, want 2", code)
	}
	if code := run([]string{"--bogus"}, &out, &errb); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
}

// TestSandboxBadgeOnlyForInProcessSandbox: a reference server on 127.0.0.1
// is a real API, not the sandbox (no badge, no sandbox-only helpers).
func TestSandboxBadgeOnlyForInProcessSandbox(t *testing.T) {
	for _, sandbox := range []bool{false, true} {
		m := newConsole(&consoleSetup{sandbox: sandbox, keys: common.DefaultKeyMap()}, "http://127.0.0.1:8080", "", slog.New(slog.DiscardHandler))
		if got := m.Context().Sandbox; got != sandbox {
			t.Errorf("sandbox=%v: ctx.Sandbox = %v", sandbox, got)
		}
		if m.Context().Remote {
			t.Error("a local console is not remote")
		}
	}
}

// TestConsoleOnSandbox runs the whole program (teatest) against a real
// sandbox server over HTTP: data on the Overview, every tab, quit.
func TestConsoleOnSandbox(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	sb, err := startSandbox(context.Background(), sandboxOptions{
		DBPath: filepath.Join(t.TempDir(), "pmdev.db"), Email: "admin@acme.test", Assets: embeddedAPI(), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sb.Close(); err != nil {
			t.Error(err)
		}
	})
	setup := &consoleSetup{sandbox: true, refresh: common.DefaultRefresh(), keys: common.DefaultKeyMap()}
	model := newConsole(setup, sb.BaseURL, sb.Token, logger)
	tm := teatest.NewTestModel(t, model, teatest.WithInitialTermSize(120, 40))
	waitText := func(what ...string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			for _, w := range what {
				if !bytes.Contains(b, []byte(w)) {
					return false
				}
			}
			return true
		}, teatest.WithDuration(30*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	waitText("PenguinMails", "Production", "admin@acme.test", "SANDBOX")
	for _, k := range []string{"2", "3", "4", "5"} {
		tm.Send(tea.KeyPressMsg{Code: rune(k[0]), Text: k})
		// Every tab redraws the pane area (the renderer writes only changes).
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return len(b) > 200 },
			teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	tm.Send(tea.KeyPressMsg{Code: '1', Text: "1"})
	waitText("building")
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final, ok := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*tui.Model)
	if !ok {
		t.Fatal("final model is not *tui.Model")
	}
	if final.Active() != common.PaneOverview || final.Context().Me.Email != "admin@acme.test" {
		t.Fatalf("final: active %s, me %q", final.Active(), final.Context().Me.Email)
	}
}
