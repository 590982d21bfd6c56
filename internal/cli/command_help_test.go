package cli

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
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
