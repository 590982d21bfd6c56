package sandbox

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
)

// Two console windows on one machine open the same sandbox at once: the
// second starts and serves like the first (a personal sandbox takes no
// instance lease that would refuse it).
func TestTwoConsolesShareTheSandbox(t *testing.T) {
	db := filepath.Join(t.TempDir(), "pm.db")
	o := Options{DBPath: db, Email: "admin@acme.test", Logger: slog.New(slog.DiscardHandler)}
	a, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Start(context.Background(), o)
	if err != nil {
		t.Fatalf("second console: %v", err)
	}
	defer b.Close()
	for _, sb := range []*Sandbox{a, b} {
		if st := meStatus(t, sb); st != 200 {
			t.Errorf("%s: /me %d", sb.BaseURL, st)
		}
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
