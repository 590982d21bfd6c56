package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/internal/sandbox/sandboxtest"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
)

// The sandbox database is pmdev's own: an old one left 0644 is made 0600.
func TestSandboxTightensItsFiles(t *testing.T) {
	db := sandboxtest.NewDB(t)
	for _, f := range []string{db, db + ".webhook-key"} {
		if err := os.Chmod(f, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var log bytes.Buffer
	sb, err := Start(context.Background(), Options{DBPath: db, Email: "admin@acme.test", Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{db, db + ".webhook-key"} {
		if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s left %04o", f, fi.Mode().Perm())
		}
	}
	if !strings.Contains(log.String(), "made owner-only") {
		t.Errorf("not logged: %s", log.String())
	}
}

func TestEmailResolvesRolesAndEmails(t *testing.T) {
	for as, want := range map[string]string{"member": "viewer@acme.test", "dev@acme.test": "dev@acme.test", "admin": "admin@acme.test"} {
		if got, err := Email(as); err != nil || got != want {
			t.Errorf("Email(%q) = %q, %v; want %q", as, got, err, want)
		}
	}
	if _, err := Email("root"); err == nil {
		t.Error("--as root accepted")
	}
}

// The sandbox serves with the server package's HTTP limits: a request
// target over the limit and a header net/http cannot parse both get
// problem documents.
func TestSandboxServesWithTheServerLimits(t *testing.T) {
	db := filepath.Join(t.TempDir(), "pm.db")
	sb, err := Start(context.Background(), Options{DBPath: db, Email: "admin@acme.test", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	addr := strings.TrimPrefix(sb.BaseURL, "http://")
	for req, want := range map[string]int{
		"GET /healthz?q=" + strings.Repeat("a", server.DefaultMaxURLBytes) + " HTTP/1.1\r\nHost: x\r\n\r\n": 414,
		"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n":                                         400,
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.WriteString(c, req)
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		c.Close()
		if err != nil || res.StatusCode != want || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%.40q: %v %v, want %d problem", req, res, err, want)
		}
	}
}

// The console's sandbox writes a new database's usage history after it
// serves; quitting at once loses none of it: the next start finds all
// 30 days (written before the close, or again at that start).
func TestHistoryLaterSurvivesAnImmediateQuit(t *testing.T) {
	db := filepath.Join(t.TempDir(), "pm.db")
	o := Options{DBPath: db, Email: "admin@acme.test", Logger: slog.New(slog.DiscardHandler), HistoryLater: true}
	sb, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	o.HistoryLater = false
	sb, err = Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	u, err := client.New(client.Options{BaseURL: sb.BaseURL, Token: sb.Token}).APIUsage(context.Background(), models.UsageParams{Range: "30d"})
	if err != nil {
		t.Fatalf("analytics: %v", err)
	}
	if u.Totals.Requests < 1_000_000 {
		t.Fatalf("30 days of demo history hold %d requests", u.Totals.Requests)
	}
}
