package cli

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// The key list: the console's columns and masking on a terminal, tab-
// separated rows for scripts, the contract's APIKey items with --json.
func TestKeysListTableScriptAndJSON(t *testing.T) {
	a := startRefAPI(t)
	tty := a.runAs(t, a.admin, runOpts{tty: true, width: 200}, "keys", "list").wantCode(t, 0, "keys list (tty)")
	head := strings.SplitN(tty.stdout, "\n", 2)[0]
	for _, col := range []string{"ID", "NAME", "KEY", "ENV", "PERMISSIONS", "LIMIT", "STATUS", "LAST USED", "REQUESTS"} {
		if !strings.Contains(head, col) {
			t.Errorf("header %q lacks %s", head, col)
		}
	}
	if !strings.Contains(tty.stdout, "Production Server") || !strings.Contains(tty.stdout, "…") {
		t.Errorf("table lacks a key or its masking:\n%s", tty.stdout)
	}
	if !strings.Contains(tty.stdout, "\x1b[") {
		t.Error("no colour on a terminal")
	}
	narrow := a.runAs(t, a.admin, runOpts{tty: true, width: 100}, "keys", "list").wantCode(t, 0, "keys list (narrow)")
	if h := strings.SplitN(narrow.stdout, "\n", 2)[0]; strings.Contains(h, "LIMIT") || strings.Contains(h, "PERMISSIONS") || !strings.Contains(h, "STATUS") {
		t.Errorf("100 columns: optional columns not dropped first: %q", h)
	}
	noColor := a.runAs(t, a.admin, runOpts{tty: true, env: map[string]string{"NO_COLOR": "1"}}, "keys", "list").wantCode(t, 0, "NO_COLOR")
	if strings.Contains(noColor.stdout, "\x1b[38") {
		t.Errorf("NO_COLOR still coloured: %q", noColor.stdout[:200])
	}

	plain := a.run(t, "keys", "list").wantCode(t, 0, "keys list (pipe)")
	if strings.Contains(plain.stdout, "\x1b") || strings.Contains(plain.stdout, "NAME") {
		t.Errorf("script output has colour or a header:\n%s", plain.stdout)
	}
	lines := strings.Split(strings.TrimSpace(plain.stdout), "\n")
	var listed models.APIKeyList
	getJSON(t, a, "/api/v1/platform/api-keys?per_page=1000", &listed)
	if len(lines) != len(listed.APIKeys) {
		t.Fatalf("%d lines for %d keys", len(lines), len(listed.APIKeys))
	}
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) != 9 || len(f[0]) != 36 || !strings.Contains(f[2], "…") {
			t.Fatalf("script row %q: want 9 fields, id first, masked key third", l)
		}
		if _, err := time.Parse(time.RFC3339, f[7]); f[7] != "" && err != nil || strings.Contains(f[4], " ") {
			t.Errorf("script row %q: last used is RFC 3339 or empty, permissions their names", l)
		}
	}

	js := a.run(t, "keys", "list", "--json").wantCode(t, 0, "keys list --json")
	validate(t, "[APIKey]", js.stdout)
	var keys []models.APIKey
	_ = json.Unmarshal([]byte(js.stdout), &keys)
	if len(keys) != len(listed.APIKeys) {
		t.Errorf("--json: %d keys, API has %d", len(keys), len(listed.APIKeys))
	}

	active := a.run(t, "keys", "list", "--status", "active", "--env", "live", "--jq", ".[] | .environment + \":\" + .status").wantCode(t, 0, "filters")
	for _, l := range strings.Split(strings.TrimSpace(active.stdout), "\n") {
		if l != "live:active" {
			t.Errorf("--status active --env live listed %q", l)
		}
	}
	one := a.run(t, "keys", "list", "--limit", "1", "--sort", "name", "--jq", "length").wantCode(t, 0, "--limit")
	if strings.TrimSpace(one.stdout) != "1" {
		t.Errorf("--limit 1 gave %s keys", one.stdout)
	}
}

// --attention lists exactly the keys the API says need attention.
func TestKeysListAttentionKeepsOnlyKeysNeedingIt(t *testing.T) {
	a := startRefAPI(t)
	var want models.APIKeyList
	getJSON(t, a, "/api/v1/platform/api-keys?per_page=1000&needs_attention=true", &want)
	if len(want.APIKeys) == 0 {
		t.Fatal("the demo seed has no key needing attention")
	}
	r := a.run(t, "keys", "list", "--attention", "--json").wantCode(t, 0, "keys list --attention")
	var got []models.APIKey
	_ = json.Unmarshal([]byte(r.stdout), &got)
	for _, k := range got {
		if !k.NeedsAttention {
			t.Errorf("--attention listed %q (needs_attention false)", k.Name)
		}
	}
	if len(got) != len(want.APIKeys) {
		t.Errorf("--attention listed %d keys, the API %d", len(got), len(want.APIKeys))
	}
	one := a.run(t, "keys", "list", "--attention", "-L", "1", "--jq", "length").wantCode(t, 0, "--attention -L 1")
	if strings.TrimSpace(one.stdout) != "1" {
		t.Errorf("--attention -L 1 gave %s keys", one.stdout)
	}
}

// getJSON reads an API route directly, as the admin.
func getJSON(t *testing.T, a *refAPI, path string, out any) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+a.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
	return raw
}

// A key's whole life from the shell: create (plaintext once, stdout only),
// get by name, update, rotate (new plaintext once), revoke; every --json
// answer is the contract's schema.
func TestKeysLifecycleFromTheShell(t *testing.T) {
	a := startRefAPI(t)
	created := a.runAs(t, a.admin, runOpts{tty: true}, "keys", "create", "--name", "ci deploy", "--env", "test",
		"--preset", "email-sending", "--expires", "30d", "--ip", "203.0.113.0/24", "--ip", "198.51.100.5", "--rate-limit", "120").
		wantCode(t, 0, "keys create")
	plaintext := strings.TrimSpace(created.stdout)
	if !strings.HasPrefix(plaintext, models.PrefixTest) || strings.Contains(plaintext, "\n") {
		t.Fatalf("stdout is not the bare key: %q", created.stdout)
	}
	if strings.Contains(created.stderr, plaintext) || !strings.Contains(created.stderr, "will not be shown again") {
		t.Fatalf("stderr: %q", created.stderr)
	}
	for _, args := range [][]string{{"keys", "list"}, {"keys", "list", "--json"}, {"keys", "get", "ci deploy"}, {"keys", "get", "ci deploy", "--json"}} {
		if r := a.run(t, args...); strings.Contains(r.stdout+r.stderr, plaintext) {
			t.Fatalf("%v printed the plaintext again", args)
		}
	}

	got := a.run(t, "keys", "get", "ci deploy", "--json").wantCode(t, 0, "keys get NAME --json")
	validate(t, "APIKeyDetails", got.stdout)
	var d models.APIKeyDetails
	_ = json.Unmarshal([]byte(got.stdout), &d)
	if d.RateLimit != 120 || len(d.AllowedIPs) != 2 || d.ExpiresAt == nil || strings.Join(d.Permissions, ",") != strings.Join(models.PresetEmailSending, ",") {
		t.Fatalf("created key: %+v", d.APIKey)
	}
	// --json passes the API's document through unchanged.
	var viaCLI, viaAPI any
	_ = json.Unmarshal([]byte(got.stdout), &viaCLI)
	_ = json.Unmarshal(getJSON(t, a, "/api/v1/platform/api-keys/"+d.KeyID, nil), &viaAPI)
	if a, b := mustJSON(viaCLI), mustJSON(viaAPI); a != b {
		t.Fatalf("--json differs from the API:\ncli %s\napi %s", a, b)
	}
	details := a.runAs(t, a.admin, runOpts{tty: true}, "keys", "get", d.KeyID).wantCode(t, 0, "keys get ID")
	for _, want := range []string{"ci deploy", d.MaskedKey, "203.0.113.0/24", "120 requests/min", "Last 30 days"} {
		if !strings.Contains(details.stdout, want) {
			t.Errorf("details lack %q:\n%s", want, details.stdout)
		}
	}

	upd := a.run(t, "keys", "update", "ci deploy", "--name", "ci deploy 2", "--permissions", "send_email,read_analytics", "--any-ip", "--json").
		wantCode(t, 0, "keys update")
	validate(t, "APIKey", upd.stdout)
	if !strings.Contains(upd.stdout, `"name":"ci deploy 2"`) || !strings.Contains(upd.stdout, `"allowed_ips":[]`) {
		t.Fatalf("update answer: %s", upd.stdout)
	}
	a.run(t, "keys", "update", "ci deploy 2").wantCode(t, 2, "update with nothing to change")

	usage := a.run(t, "keys", "usage", "ci deploy 2", "--range", "7d", "--json").wantCode(t, 0, "keys usage")
	validate(t, "APIUsage", usage.stdout)
	if !strings.Contains(usage.stdout, `"key_id":"`+d.KeyID+`"`) {
		t.Errorf("keys usage is not for the key: %.200s", usage.stdout)
	}

	a.run(t, "keys", "rotate", "ci deploy 2").wantCode(t, 2, "rotate without --yes off a terminal")
	rot := a.run(t, "keys", "rotate", "ci deploy 2", "--grace", "2h", "--json", "--yes").wantCode(t, 0, "keys rotate")
	validate(t, "CreatedAPIKey", rot.stdout)
	var nk models.CreatedAPIKey
	_ = json.Unmarshal([]byte(rot.stdout), &nk)
	if nk.OldKeyID != d.KeyID || !strings.HasPrefix(nk.Plaintext, models.PrefixTest) || nk.Plaintext == plaintext {
		t.Fatalf("rotation: %+v", nk)
	}
	// Both keys now carry the name; the name means the new, current one.
	again := a.run(t, "keys", "get", "ci deploy 2", "--jq", ".key_id").wantCode(t, 0, "name after rotation")
	if strings.TrimSpace(again.stdout) != nk.KeyID {
		t.Fatalf("name resolved to %s, want the new key %s", again.stdout, nk.KeyID)
	}

	a.run(t, "keys", "revoke", nk.KeyID).wantCode(t, 2, "revoke without --yes off a terminal")
	no := a.runAs(t, a.admin, runOpts{tty: true, stdin: "n\n"}, "keys", "revoke", nk.KeyID).wantCode(t, 1, "revoke answered no")
	if !strings.Contains(no.stderr, "Revoke key") || !strings.Contains(no.stderr, "nothing changed") {
		t.Fatalf("question: %q", no.stderr)
	}
	rev := a.runAs(t, a.admin, runOpts{tty: true, stdin: "y\n"}, "keys", "revoke", "ci deploy 2", "--json").wantCode(t, 0, "revoke answered yes")
	validate(t, "RevokeResult", rev.stdout)
	a.run(t, "keys", "revoke", nk.KeyID, "--yes").wantCode(t, 1, "revoking twice is an API error")
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Names that match nothing, or more than one current key, are refused
// with the candidates; bad flags never reach the API.
func TestKeyNamesAndUsageErrors(t *testing.T) {
	a := startRefAPI(t)
	r := a.run(t, "keys", "get", "no such key").wantCode(t, 4, "unknown name")
	if !strings.Contains(r.stderr, `"no such key"`) {
		t.Errorf("stderr %q", r.stderr)
	}
	a.run(t, "keys", "get", "00000000-0000-4000-8000-000000000000").wantCode(t, 4, "unknown id")
	for range 2 {
		a.run(t, "keys", "create", "--name", "twin", "--permissions", "send_email").wantCode(t, 0, "create twin")
	}
	amb := a.run(t, "keys", "get", "twin").wantCode(t, 2, "ambiguous name")
	if strings.Count(amb.stderr, "pm_live_") != 2 || !strings.Contains(amb.stderr, "use an id") {
		t.Errorf("ambiguity lists no candidates: %q", amb.stderr)
	}
	for _, args := range [][]string{
		{"keys", "create", "--name", "x"},
		{"keys", "create", "--name", "x", "--permissions", "send_email", "--preset", "read-only"},
		{"keys", "create", "--name", "x", "--permissions", "fly"},
		{"keys", "create", "--name", "bad/name", "--preset", "read-only"},
		{"keys", "create", "--name", "x", "--preset", "read-only", "--ip", "300.1.1.1"},
		{"keys", "create", "--name", "x", "--preset", "read-only", "--expires", "2001-01-01"},
		{"keys", "rotate", "twin", "--grace", "90m", "--yes"},
		{"keys", "rotate", "twin", "--grace", "200h", "--yes"},
		{"keys", "list", "--status", "gone"},
		{"keys", "list", "--jq", ".[ bad"},
		{"keys", "get"},
		{"keys", "get", "a", "b"},
		{"keys", "frobnicate"},
		{"keys", "list", "--bogus"},
		{"usage", "--range", "2d"},
		{"usage", "--range", "7d", "--from", "3d"},
	} {
		r := a.run(t, args...)
		if r.code != 2 || r.stdout != "" || !strings.HasPrefix(r.stderr, "pmdev: ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and a message", args, r.code, r.stdout, r.stderr)
		}
	}
}

// The server's rules are the flags' rules: a 400 about a field a flag sets
// is a usage error (exit 2) naming the flag, with the API's field after it.
func TestServerValidationNamesTheFlag(t *testing.T) {
	a := startRefAPI(t)
	a.run(t, "webhooks", "create", "--url", a.hookURL, "--events", "email.sent").wantCode(t, 0, "create endpoint")
	for _, c := range []struct {
		args       []string
		flag, want string
	}{
		{[]string{"keys", "create", "--name", "greedy", "--preset", "read-only", "--rate-limit", "100000"}, "--rate-limit", "(rate_limit)"},
		{[]string{"keys", "update", "Production Server", "--rate-limit", "100000"}, "--rate-limit", "(rate_limit)"},
		{[]string{"webhooks", "create", "--url", "https://example.com/h", "--events", "email.sent", "--max-retries", "0"}, "--max-retries", "(max_retries)"},
		{[]string{"webhooks", "update", a.hookURL, "--max-retries", "11"}, "--max-retries", "(max_retries)"},
		{[]string{"webhooks", "create", "--url", "ftp://x", "--events", "email.sent"}, "--url", "(url)"},
		{[]string{"trigger", "email.sent", "--data", `{"nope":1}`}, "--data", "(data.nope)"},
		{[]string{"trigger", "email.sent", "--data", `{"to":5}`}, "--data", `Field "to" must be a string (data.to)`},
	} {
		r := a.run(t, c.args...).wantCode(t, 2, strings.Join(c.args, " "))
		if !strings.HasPrefix(r.stderr, "pmdev: "+c.flag+": ") || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stderr, "Email.") {
			t.Errorf("%v: stderr %q, want %s named and %s", c.args, r.stderr, c.flag, c.want)
		}
	}
}
