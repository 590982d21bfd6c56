package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/testkit"
	"github.com/penguinmails/pmdev/tui/common"
)

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
		_, err := Load(testkit.TempFile(t, "config.yaml", body), true)
		if err == nil || !strings.Contains(err.Error(), want) || (strings.Contains(err.Error(), "main.") || strings.Contains(err.Error(), "config.File")) {
			t.Errorf("config %q: err = %v, want it to mention %q (and no Go type names)", body, err, want)
		}
	}
	cfg, err := Load(testkit.TempFile(t, "config.yaml", "profiles:\n  prod: {api_url: 'https://api.example', token_env: PM_TOK}\ndefault_profile: prod\nrefresh: {keys: 0, usage: 100ms}\nkeys: {global.quit: [Q]}\n"), true)
	if err != nil || cfg.Profiles["prod"].TokenEnv != "PM_TOK" {
		t.Fatalf("valid config: %+v, %v", cfg, err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml"), false); err != nil {
		t.Fatalf("a missing default config is fine: %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml"), true); err == nil {
		t.Fatal("a missing PMDEV_CONFIG must be an error")
	}
}

func TestRefreshFlag(t *testing.T) {
	m, err := ParseRefreshFlag("ratelimits=500ms, usage=0,keys=45s")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ApplyRefresh(common.DefaultRefresh(), m, "--refresh ")
	if err != nil {
		t.Fatal(err)
	}
	if r.RateLimits != time.Second || r.Usage != 0 || r.Keys != 45*time.Second || r.Webhooks != 15*time.Second {
		t.Fatalf("refresh = %+v (floor 1s, 0 off)", r)
	}
	if _, err := ParseRefreshFlag("usage"); err == nil {
		t.Fatal("want error for a missing =")
	}
	if _, err := ApplyRefresh(common.DefaultRefresh(), map[string]string{"usage": "-1s"}, ""); err == nil {
		t.Fatal("negative interval accepted")
	}
}

func TestKeyMapAppliesRebindings(t *testing.T) {
	cfg, err := Load(testkit.TempFile(t, "config.yaml", "keys: {global.quit: [Q]}\n"), true)
	if err != nil {
		t.Fatal(err)
	}
	km, err := cfg.KeyMap()
	if err != nil {
		t.Fatal(err)
	}
	if got := km.Global.Quit.Keys(); len(got) != 1 || got[0] != "Q" {
		t.Fatalf("quit keys %v, want [Q]", got)
	}
}
