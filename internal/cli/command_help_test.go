package cli

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/server/testkit"
)

// Every scripting command documents its exit status and takes the API and
// output flags; --help never needs the API.
func TestScriptingCommandsDocumentExitStatus(t *testing.T) {
	root := newRoot("test", io.Discard, io.Discard)
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		n++
		for _, flag := range []string{"json", "jq", "api-url", "token", "profile", "sandbox"} {
			if c.Flag(flag) == nil && c.InheritedFlags().Lookup(flag) == nil {
				t.Errorf("%s lacks --%s", c.CommandPath(), flag)
			}
		}
		var out bytes.Buffer
		c.SetOut(&out)
		if err := c.Help(); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Exit status:", "3    authentication", "5    rate limited", "--json"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s --help lacks %q", c.CommandPath(), want)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	for _, name := range []string{"keys", "usage", "limits", "webhooks", "whoami"} {
		c, _, err := root.Find([]string{name})
		if err != nil || c.Name() != name {
			t.Fatalf("no %s command", name)
		}
		walk(c)
	}
	if n != 22 {
		t.Errorf("%d scripting commands, want 22", n)
	}
}

// The commands read profiles from the config file as the console does,
// and --jq strings reach a terminal without escape sequences.
func TestProfilesAndTerminalSafeJQ(t *testing.T) {
	a := startRefAPI(t)
	cfg := testkit.TempFile(t, "config.yaml", "profiles:\n  ref: {api_url: '"+a.URL+"', token_env: REF_TOKEN}\n")
	env := map[string]string{"PMDEV_CONFIG": cfg, "REF_TOKEN": a.dev}
	r := a.runAs(t, "", runOpts{noToken: true, env: env}, "whoami", "--profile", "ref", "--jq", ".email").wantCode(t, 0, "--profile")
	if strings.TrimSpace(r.stdout) != "dev@acme.test" || strings.Contains(r.stderr, "sandbox") {
		t.Fatalf("profile: %q %q", r.stdout, r.stderr)
	}
	a.runAs(t, "", runOpts{noToken: true, env: env}, "whoami", "--profile", "nope").wantCode(t, 2, "unknown profile")

	// A receiver's answer is the API string nobody validates.
	a.hookBody = "a\x1b]52;c;cGF3bmVk\x07b"
	a.run(t, "webhooks", "create", "--url", a.hookURL, "--events", "email.sent").wantCode(t, 0, "create endpoint")
	tty := a.runAs(t, a.admin, runOpts{tty: true}, "webhooks", "test", a.hookURL, "--jq", `.body_excerpt + "\t" + .status`).wantCode(t, 0, "jq on a terminal")
	if strings.Contains(tty.stdout, "\x1b") || tty.stdout != "ab\tsuccess\n" {
		t.Errorf("terminal got %q", tty.stdout)
	}
	piped := a.run(t, "webhooks", "test", a.hookURL, "--jq", ".body_excerpt").wantCode(t, 0, "jq piped")
	if piped.stdout != a.hookBody+"\n" {
		t.Errorf("pipe got %q, want the value exactly", piped.stdout)
	}
	table := a.runAs(t, a.admin, runOpts{tty: true}, "webhooks", "test", a.hookURL).wantCode(t, 0, "table on a terminal")
	if strings.Contains(table.stdout, "\x1b]") {
		t.Errorf("escape reached the terminal: %q", table.stdout)
	}
}
