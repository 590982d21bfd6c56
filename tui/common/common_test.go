package common

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
)

func TestDefaultKeyMapHasNoDuplicates(t *testing.T) {
	if err := DefaultKeyMap().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestDuplicateBindingFails(t *testing.T) {
	km := DefaultKeyMap()
	km.Overview.Docs.SetKeys("n") // clashes with overview.create
	if err := km.Validate(); err == nil || !strings.Contains(err.Error(), `"n"`) {
		t.Fatalf("Validate = %v, want a clash on n", err)
	}
	km = DefaultKeyMap()
	km.Keys.Search.SetKeys("q") // clashes with global.quit
	if err := km.Validate(); err == nil || !strings.Contains(err.Error(), "global.quit") {
		t.Fatalf("Validate = %v, want a clash with global.quit", err)
	}
}

// Dialog keys may reuse global ones (a dialog on top takes every key), but
// the keys used inside dialogs must not reuse the dialog's own.
func TestDialogScopesAreChecked(t *testing.T) {
	km := DefaultKeyMap()
	km.Form.Clear.SetKeys("enter") // clashes with dialog.accept
	if err := km.Validate(); err == nil || !strings.Contains(err.Error(), "dialog.accept") {
		t.Fatalf("Validate = %v, want a clash with dialog.accept", err)
	}
	km = DefaultKeyMap()
	km.Dialog.Toggle.SetKeys("y") // clashes with dialog.yes
	if err := km.Validate(); err == nil || !strings.Contains(err.Error(), "dialog.yes") {
		t.Fatalf("Validate = %v, want a clash with dialog.yes", err)
	}
	km = DefaultKeyMap()
	if err := km.Rebind(map[string][]string{"dialog.cancel": {"esc", "ctrl+g"}, "secret.write": {"W"}}); err != nil {
		t.Fatal(err)
	}
	if got := km.Dialog.Cancel.Help().Key; got != "esc/ctrl+g" {
		t.Fatalf("cancel help = %q", got)
	}
}

// Every field of every scope is reachable by name: a binding left out of
// its scope's actions could be neither rebound nor checked.
func TestEveryBindingHasAnAction(t *testing.T) {
	km := DefaultKeyMap()
	n := 0
	for _, s := range km.Scopes() {
		for name, b := range s.Bindings {
			if len(b.Keys()) == 0 || b.Help().Desc == "" {
				t.Errorf("%s.%s has no default", s.Name, name)
			}
			n++
		}
	}
	fields := 0
	for _, v := range []any{km.Global, km.Overview, km.Keys, km.Docs, km.Usage, km.Webhooks, km.Dialog, km.Secret, km.Form} {
		fields += reflect.TypeOf(v).NumField()
	}
	if n != fields {
		t.Fatalf("%d actions for %d binding fields", n, fields)
	}
}

func TestRebind(t *testing.T) {
	km := DefaultKeyMap()
	if err := km.Rebind(map[string][]string{"global.quit": {"x"}}); err != nil {
		t.Fatal(err)
	}
	if got := km.Global.Quit.Keys(); len(got) != 1 || got[0] != "x" {
		t.Fatalf("quit keys = %v", got)
	}
	for in, want := range map[string]string{"nope": "keys.nope", "global.nope": "keys.global.nope", "global.quit": "global.quit"} {
		over := map[string][]string{in: {"1"}} // "1" is tab1: a clash for global.quit
		if err := DefaultKeyMap().Rebind(over); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Rebind(%v) = %v, want error naming %s", over, err, want)
		}
	}
}

func TestSanitizeRemovesSequences(t *testing.T) {
	cases := map[string]string{
		"plain":                          "plain",
		"a\x1b[2Jb":                      "ab",
		"x\x1b]52;c;SGVsbG8=\x07y":       "xy",
		"x\x1b]8;;http://e\x1b\\link":    "xlink",
		"red\x1b[31mred":                 "redred",
		"tab\there\nline":                "tab here line",
		"bell\x07":                       "bell",
		"c1\u009b31mz":                   "c1z",
		"bidi\u202eevil":                 "bidievil",
		"bad\xffutf":                     "bad\uFFFDutf",
		"dcs\x1bPq#0;2;0;0;0\x1b\\after": "dcsafter",
	}
	for in, want := range cases {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SanitizeMultiline("a\x1b[Hb\nc"); got != "ab\nc" {
		t.Errorf("SanitizeMultiline = %q", got)
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"hello", "\x1b[31mx", "\x1b]52;c;AAAA\x07", "\u009b2J", "a\x1bPxx\x1b\\b", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("control %U left in %q (from %q)", r, out, s)
			}
		}
		if Sanitize(out) != out {
			t.Fatalf("not idempotent on %q", s)
		}
	})
}

func TestPoller(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := Poller{Interval: 2 * time.Second}
	if !p.Due(now, true) || p.Due(now, false) {
		t.Fatal("a fresh visible poller is due; a hidden one is not")
	}
	id := p.Start()
	if p.Due(now, true) {
		t.Fatal("at most one request in flight")
	}
	if p.Force() != 0 {
		t.Fatal("Force while in flight must not start another")
	}
	if p.Done(id+1, now, nil) {
		t.Fatal("stale id accepted")
	}
	if !p.Done(id, now, nil) || p.Due(now.Add(time.Second), true) || !p.Due(now.Add(2*time.Second), true) {
		t.Fatal("next poll should be one interval later")
	}
	// Errors back off exponentially up to MaxBackoff.
	var last time.Duration
	for i := range 8 {
		id = p.Start()
		p.Done(id, now, &client.Error{Kind: client.KindNetwork})
		wait := p.Next().Sub(now)
		if wait < last || wait > MaxBackoff {
			t.Fatalf("failure %d: wait %v after %v", i, wait, last)
		}
		last = wait
	}
	if last != MaxBackoff {
		t.Fatalf("backoff tops out at %v, want %v", last, MaxBackoff)
	}
	// Retry-After wins when longer; success resets.
	p = Poller{Interval: time.Second}
	id = p.Start()
	p.Done(id, now, &client.Error{Kind: client.KindHTTP, Status: 429, RetryAfter: 12 * time.Second})
	if got := p.Next().Sub(now); got != 12*time.Second {
		t.Fatalf("after 429: wait %v, want 12s", got)
	}
	id = p.Start()
	p.Done(id, now, client.ErrNotModified)
	if p.Failures() != 0 || p.Last() != now {
		t.Fatal("304 counts as success")
	}
	off := Poller{}
	if off.Due(now, true) {
		t.Fatal("interval 0 turns a source off")
	}
}

func TestErrorText(t *testing.T) {
	cases := []struct {
		err  error
		role string
		want string
	}{
		{&client.Error{Kind: client.KindHTTP, Status: 401}, "", "token rejected (invalid, expired or revoked) — check the token given"},
		{&client.Error{Kind: client.KindHTTP, Status: 403, Problem: &models.Problem{Permission: "manage_api_keys"}}, "member", "your role (member) cannot manage API keys"},
		{&client.Error{Kind: client.KindHTTP, Status: 429, RetryAfter: 12 * time.Second}, "", "rate limited, retrying in 12s"},
		{&client.Error{Kind: client.KindNetwork, URL: "https://api.example", Message: "connection refused"}, "", "cannot reach https://api.example (connection refused)"},
		{&client.Error{Kind: client.KindHTTP, Status: 404}, "", "not found — it may have been deleted; press r to refresh"},
		{&client.Error{Kind: client.KindHTTP, Status: 500, Problem: &models.Problem{Message: "boom\x1b[2J"}}, "", "server error 500: boom — try again later"},
		{errors.New("x\x1b]0;t\x07y"), "", "xy"},
	}
	for _, tc := range cases {
		if got := ErrorText(tc.err, tc.role); got != tc.want {
			t.Errorf("ErrorText(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	for d, want := range map[time.Duration]string{
		10 * time.Second: "just now", 2 * time.Hour: "2 hours ago", time.Hour: "1 hour ago",
		5 * 24 * time.Hour: "5 days ago", 3 * time.Minute: "3 minutes ago",
	} {
		if got := Ago(at(d), now); got != want {
			t.Errorf("Ago(-%v) = %q, want %q", d, got, want)
		}
	}
	if Ago(nil, now) != "never" {
		t.Error("nil should be never")
	}
}

func TestChosenKeepsTheItemsOrder(t *testing.T) {
	got := Chosen([]string{"c", "a", "b"}, func(s string) string { return s }, map[string]bool{"a": true, "c": true, "x": true})
	if !reflect.DeepEqual(got, []string{"c", "a"}) {
		t.Fatalf("Chosen = %v", got)
	}
}
