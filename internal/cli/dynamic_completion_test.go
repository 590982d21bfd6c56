package cli

import (
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/penguinmails/pmdev/models"
)

// complete runs `pmdev __complete cmd sub --api-url … rest…`: the API
// flags go right after the command path, so a flag being completed stays
// next to its value.
func (a *refAPI) complete(t *testing.T, apiURL, token, cmd, sub string, rest ...string) result {
	t.Helper()
	args := append([]string{"__complete", cmd, sub, "--api-url", apiURL, "--token", token}, rest...)
	return a.runAs(t, "", runOpts{noToken: true}, args...)
}

// Key and endpoint ids (and key names) come from the API; flags and values
// from the command tree.
func TestDynamicCompletion(t *testing.T) {
	a := startRefAPI(t)
	a.run(t, "webhooks", "create", "--url", a.hookURL, "--events", "email.sent").wantCode(t, 0, "create endpoint")
	var keys []models.APIKey
	getJSON(t, a, "/api/v1/platform/api-keys", &struct {
		Keys *[]models.APIKey `json:"api_keys"`
	}{&keys})

	ids := a.complete(t, a.URL, a.admin, "keys", "get", "")
	for _, k := range keys {
		listed := strings.Contains(ids.stdout, k.KeyID+"\t"+k.Name)
		if listed == (k.Status == models.KeyRevoked) {
			t.Errorf("key %s (%s): offered %v\n%s", k.Name, k.Status, listed, ids.stdout)
		}
	}
	if !strings.HasSuffix(ids.stdout, ":4\n") {
		t.Errorf("directive: %q", ids.stdout)
	}
	names := a.complete(t, a.URL, a.admin, "keys", "revoke", "prod")
	if !strings.Contains(names.stdout, "Production Server\t") {
		t.Errorf("names by prefix: %q", names.stdout)
	}
	flagKey := a.complete(t, a.URL, a.admin, "usage", "errors", "--key", "")
	if !strings.Contains(flagKey.stdout, keys[0].KeyID) {
		t.Errorf("--key values: %q", flagKey.stdout)
	}
	hooks := a.complete(t, a.URL, a.admin, "webhooks", "test", "wh_")
	if !strings.Contains(hooks.stdout, "wh_") || !strings.Contains(hooks.stdout, a.hookURL) {
		t.Errorf("endpoint ids: %q", hooks.stdout)
	}
	if second := a.complete(t, a.URL, a.admin, "keys", "get", keys[0].KeyID, ""); strings.Contains(second.stdout, "-") && !strings.HasPrefix(second.stdout, ":") {
		t.Errorf("a second id offered: %q", second.stdout)
	}

	// Failures complete nothing and print nothing: a refused token, an API
	// that is down, one that never answers (cut off by the deadline).
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	for what, target := range map[string][2]string{
		"bad token": {a.URL, "pm_pat_wrongwrongwrongwrong"},
		"down":      {"http://127.0.0.1:1", a.admin},
		"hanging":   {"http://" + hang.Addr().String(), a.admin},
	} {
		start := time.Now()
		r := a.complete(t, target[0], target[1], "keys", "get", "")
		if r.stdout != ":4\n" || strings.Contains(r.stdout+r.stderr, "pmdev:") {
			t.Errorf("%s: completion printed %q / %q", what, r.stdout, r.stderr)
		}
		if d := time.Since(start); d > completeTimeout+2*time.Second {
			t.Errorf("%s: completion took %v", what, d)
		}
	}

	// Static parts come from the command tree, for every command, the
	// console's own flags and the server's included.
	for words, want := range map[string]string{
		"keys list --st":                             "--status",
		"keys create --preset ":                      "email-sending",
		"keys create --permissions send_email,read_": "send_email,read_analytics",
		"webhooks create --events email.b":           "email.bounced",
		"webhooks deliveries x --status ":            "pending_retry",
		"usage --range ":                             "30d",
		"limits --":                                  "--watch",
		"":                                           "webhooks",
		"whoami --":                                  "--jq",
		"--sand":                                     "--sandbox-traffic",
		"--as ":                                      "developer",
		"server --ssh-":                              "--ssh-max-sessions-per-user",
		"server users add --role ":                   "member",
		"ssh-gateway --max":                          "--max-sessions",
		"docs emai":                                  "emails",
		"server users ssh-keys ":                     "remove",
	} {
		args := append([]string{"__complete"}, strings.Fields(words)...)
		if words == "" || strings.HasSuffix(words, " ") {
			args = append(args, "")
		}
		if r := a.runAs(t, "", runOpts{noToken: true}, args...); !strings.Contains(r.stdout, want) {
			t.Errorf("complete %q: want %q in\n%s", words, want, r.stdout)
		}
	}
}

// With nothing configured the commands use the sandbox, say so on stderr,
// and simulate no traffic unless asked.
func TestCommandsFallBackToTheSandbox(t *testing.T) {
	a := &refAPI{}
	db := filepath.Join(t.TempDir(), "sandbox.db")
	r := a.runAs(t, "", runOpts{noToken: true}, "whoami", "--sandbox-db", db, "--as", "developer", "--jq", ".email")
	r.wantCode(t, 0, "whoami in the sandbox")
	if strings.TrimSpace(r.stdout) != "dev@acme.test" || !strings.Contains(r.stderr, "using the sandbox") || !strings.Contains(r.stderr, db) {
		t.Fatalf("stdout %q stderr %q", r.stdout, r.stderr)
	}
	keys := a.runAs(t, "", runOpts{noToken: true}, "keys", "list", "--sandbox-db", db, "--jq", "length").wantCode(t, 0, "keys in the sandbox")
	if strings.TrimSpace(keys.stdout) == "0" {
		t.Error("the sandbox has no demo keys")
	}
	// Completion in the sandbox is quiet.
	c := a.runAs(t, "", runOpts{noToken: true}, "__complete", "keys", "get", "--sandbox-db", db, "")
	if strings.Contains(c.stdout+c.stderr, "sandbox") || !strings.Contains(c.stdout, "Production Server") {
		t.Errorf("completion in the sandbox: %q / %q", c.stdout, c.stderr)
	}
	a.runAs(t, "", runOpts{noToken: true, env: map[string]string{"PENGUINMAILS_API_URL": "http://127.0.0.1:1"}}, "keys", "list").
		wantCode(t, 2, "API URL without a token")
	// A token without a URL is a forgotten URL, never the demo data.
	for _, tc := range []struct {
		env  map[string]string
		args []string
	}{
		{nil, []string{"keys", "list", "--sandbox-db", db, "--token", "pm_pat_xxx"}},
		{map[string]string{"PENGUINMAILS_TOKEN": "pm_pat_bad"}, []string{"whoami", "--sandbox-db", db}},
	} {
		r := a.runAs(t, "", runOpts{noToken: true, env: tc.env}, tc.args...).wantCode(t, 2, "token without an API URL")
		if r.stdout != "" || !strings.Contains(r.stderr, "no API URL: set --api-url or PENGUINMAILS_API_URL") {
			t.Errorf("%v: stdout %q stderr %q", tc.args, r.stdout, r.stderr)
		}
	}
}

// No argument or flag value of a scripting command completes file names
// unless it is a file: ids and names come from the API, the rest from the
// command tree.
func TestCompletionNeverOffersFilesForNonFiles(t *testing.T) {
	a := startRefAPI(t)
	root := newRoot("test", io.Discard, io.Discard)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if len(c.Commands()) > 0 {
			for _, sub := range c.Commands() {
				walk(sub)
			}
			return
		}
		path := strings.Fields(c.CommandPath())[1:]
		check := func(what string, words ...string) {
			args := append(append([]string{"__complete"}, path...), "--api-url", a.URL, "--token", a.admin)
			r := a.runAs(t, "", runOpts{noToken: true}, append(args, words...)...)
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			d, err := strconv.Atoi(strings.TrimPrefix(lines[len(lines)-1], ":"))
			if err != nil || cobra.ShellCompDirective(d)&cobra.ShellCompDirectiveNoFileComp == 0 {
				t.Errorf("%s %s offers file names: %q", c.CommandPath(), what, r.stdout)
			}
		}
		check("arguments", "")
		c.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
			if _, file := f.Annotations[cobra.BashCompFilenameExt]; file || f.Value.Type() == "bool" || f.Name == "help" {
				return
			}
			check("--"+f.Name, "--"+f.Name, "")
		})
	}
	for _, name := range []string{"keys", "usage", "limits", "webhooks", "whoami", "listen", "trigger", "logs"} {
		c, _, err := root.Find([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		walk(c)
	}
	keys := a.complete(t, a.URL, a.admin, "logs", "tail", "--key", "")
	if !strings.Contains(keys.stdout, "\tProduction Server") {
		t.Errorf("logs tail --key offers no keys: %q", keys.stdout)
	}
}
