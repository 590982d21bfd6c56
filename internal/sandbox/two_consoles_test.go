package sandbox

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/testkit"
)

// Two console windows on one machine open the same sandbox at once: the
// second starts and serves like the first (a personal sandbox takes no
// instance lease that would refuse it).
func TestTwoConsolesShareTheSandbox(t *testing.T) {
	db := filepath.Join(t.TempDir(), "pm.db")
	o := Options{DBPath: db, Email: "admin@acme.test", Logger: slog.New(slog.DiscardHandler)}
	a, b := serve(t, o), serve(t, o)
	for _, sb := range []*Sandbox{a, b} {
		if st := meStatus(t, sb); st != 200 {
			t.Errorf("%s: /me %d", sb.BaseURL, st)
		}
	}
}

// A second window on a sandbox with traffic leaves the simulator to the
// first: a second simulator would give the simulator keys new secrets and
// every request of the first would be refused.
func TestSecondWindowLeavesTheTrafficToTheFirst(t *testing.T) {
	db := filepath.Join(t.TempDir(), "pm.db")
	o := Options{DBPath: db, Email: "admin@acme.test", Logger: slog.New(slog.DiscardHandler), Traffic: true}
	a := serve(t, o)
	simKeys := func() string {
		cl := client.New(client.Options{BaseURL: a.BaseURL, Token: a.Token}) // fresh: no "not modified"
		list, err := cl.ListKeys(context.Background(), models.KeyListParams{Q: "Simulator", PerPage: 10})
		if err != nil {
			t.Fatal(err)
		}
		var masked []string
		for _, k := range list.APIKeys {
			masked = append(masked, k.MaskedKey)
		}
		slices.Sort(masked)
		return strings.Join(masked, " ")
	}
	var before string
	testkit.WaitFor(t, 10*time.Second, "the simulator's keys", func() bool { before = simKeys(); return strings.Count(before, " ") == 1 })
	serve(t, o)
	time.Sleep(300 * time.Millisecond) // a simulator would have reissued them by now
	if after := simKeys(); after != before {
		t.Fatalf("the second window reissued the simulator's keys: %s → %s", before, after)
	}
}

// A command run while a console serves the sandbox signs in to that
// server instead of starting its own, so what it triggers reaches the
// console; once the console quits, nothing is left to attach to.
func TestCommandsAttachToTheServingSandbox(t *testing.T) {
	db := filepath.Join(t.TempDir(), "pm.db")
	email, err := Email("developer")
	if err != nil {
		t.Fatal(err)
	}
	o := Options{DBPath: db, Email: email, Logger: slog.New(slog.DiscardHandler)}
	if _, err := Attach(context.Background(), o); err != ErrNotServing {
		t.Fatalf("nothing serving: %v, want ErrNotServing", err)
	}
	console, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Start(context.Background(), o) // another window: does not take over
	if err != nil {
		t.Fatal(err)
	}
	cmd, err := Attach(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if cmd.BaseURL != console.BaseURL || !cmd.Attached {
		t.Fatalf("attached to %s, want the first server %s", cmd.BaseURL, console.BaseURL)
	}
	if st := meStatus(t, cmd); st != 200 {
		t.Fatalf("attached token: /me %d", st)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	second.Close()
	if _, err := Attach(context.Background(), o); err != nil {
		t.Fatalf("the first console still serves: %v", err)
	}
	console.Close()
	if _, err := Attach(context.Background(), o); err != ErrNotServing {
		t.Fatalf("after the console quit: %v, want ErrNotServing", err)
	}
}

// meStatus is the status of GET /me with sb's token.
func meStatus(t *testing.T, sb *Sandbox) int {
	t.Helper()
	req, _ := http.NewRequest("GET", sb.BaseURL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+sb.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// serve starts a sandbox the test's cleanup closes.
func serve(t *testing.T, o Options) *Sandbox {
	t.Helper()
	sb, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}
