package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Closing the terminal (SIGHUP) stops the console the way q does: it exits
// 0 and the sandbox closes its database (no write-ahead log left behind,
// nothing it counted dropped).
func TestHangupClosesTheSandbox(t *testing.T) {
	s := Start(t, []string{"--sandbox-traffic=false"}, nil)
	s.WaitFor("Production Server", slow)
	data := filepath.Join(s.Home, "data", "pmdev")
	if _, err := os.Stat(filepath.Join(data, "pmdev.db-wal")); err != nil {
		t.Fatalf("no write-ahead log while serving (the check below would prove nothing): %v", err)
	}
	pid := consolePID(t, s.Home)
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.WaitFor(ExitMarker+" 0", 15*time.Second)
	if _, err := os.Stat(filepath.Join(data, "pmdev.db-wal")); !os.IsNotExist(err) {
		t.Errorf("write-ahead log left after SIGHUP (database not closed): %v", err)
	}
}

// consolePID finds the console process by the data directory in its
// environment.
func consolePID(t *testing.T, home string) int {
	t.Helper()
	want := []byte("XDG_DATA_HOME=" + filepath.Join(home, "data") + "\x00")
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && bytes.Contains(env, want) && filepath.Base(exe) != "sleep" && filepath.Base(exe) != "sh" && filepath.Base(exe) != "dash" {
			return pid
		}
	}
	t.Skip("console process not found in /proc (not Linux?)")
	return 0
}
