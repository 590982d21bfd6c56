package cli

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/models"
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

// Every "pmdev docs PAGE" in a help text or a message names a page that
// exists and holds what the text promises (the permissions, the event types).
func TestHelpPointsToDocsPagesThatExist(t *testing.T) {
	lib, err := apidocs.LoadEmbedded(os.DirFS("../../api"))
	if err != nil {
		t.Fatal(err)
	}
	var perms, events []string
	for _, p := range models.PermissionCatalogue() {
		perms = append(perms, p.Name)
	}
	for _, e := range models.WebhookEventNames() {
		events = append(events, e.Type)
	}
	promises := map[string][]string{"permissions": perms, "events": events, "trigger": events}
	ref := regexp.MustCompile(`pmdev docs ([a-z][a-z-]*)`)
	check := func(where, text string, promised []string) {
		for _, m := range ref.FindAllStringSubmatch(text, -1) {
			page, ok := lib.Pages[m[1]]
			if !ok {
				t.Errorf("%s points to pmdev docs %s, which does not exist", where, m[1])
				continue
			}
			for _, want := range promised {
				if !strings.Contains(page, "`"+want+"`") {
					t.Errorf("%s points to pmdev docs %s, which does not list %s", where, m[1], want)
				}
			}
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		check(c.CommandPath(), c.Long+c.Example, nil)
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			check(c.CommandPath()+" --"+f.Name, f.Usage, promises[f.Name])
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot("test", io.Discard, io.Discard))
	a := &refAPI{}
	r := a.runAs(t, "", runOpts{noToken: true}, "trigger", "bogus.event").wantCode(t, 2, "unknown event type")
	if !ref.MatchString(r.stderr) {
		t.Fatalf("trigger bogus.event points nowhere: %q", r.stderr)
	}
	check("trigger bogus.event", r.stderr, promises["trigger"])
}

// --log and --debug are the console's: its help says so, and the commands
// refuse them as unknown flags.
func TestLogFlagsSayTheyAreTheConsoles(t *testing.T) {
	root := newRoot("test", io.Discard, io.Discard)
	for _, name := range []string{"log", "debug"} {
		if f := root.Flags().Lookup(name); f == nil || !strings.HasPrefix(f.Usage, "console only") {
			t.Errorf("--%s: help does not say it is the console's: %+v", name, f)
		}
	}
	a := &refAPI{}
	r := a.runAs(t, "", runOpts{noToken: true}, "listen", "--log", "x").wantCode(t, 2, "listen --log")
	if !strings.Contains(r.stderr, "unknown flag: --log") {
		t.Errorf("stderr %q", r.stderr)
	}
}
