package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSSHWithOpenSSHClient builds pmdev, registers a key made by ssh-keygen,
// serves the console with `pmdev server --ssh-addr` and connects with the
// real OpenSSH client inside tmux. A restart must keep the host key, so the
// second connection passes strict host key checking with the same known_hosts.
func TestSSHWithOpenSSHClient(t *testing.T) {
	for _, tool := range []string{"tmux", "ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	dir := t.TempDir()
	bin := buildPmdev(t, dir)
	key := filepath.Join(dir, "id_ed25519")
	run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "e2e@test", "-f", key)
	db := filepath.Join(dir, "pm.db")
	env := append(os.Environ(), "XDG_DATA_HOME="+filepath.Join(dir, "data"))
	cmd := exec.Command(bin, "server", "users", "add", "--db", db, "--email", "dev@acme.test",
		"--role", "developer", "--tenant", "Acme", "--ssh-key", key+".pub")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("users add: %v\n%s", err, out)
	}

	hostKey := filepath.Join(dir, "host_ed25519")
	knownHosts := filepath.Join(dir, "known_hosts")
	sshPort := freePort(t)
	for round, strict := range []string{"no", "yes"} {
		stop := startServer(t, bin, env, db, hostKey, sshPort)
		tm := newTmux(t, fmt.Sprintf("pmdev-ssh-e2e-%d-%d", os.Getpid(), round))
		tm.start(t, "ssh", "-p", fmt.Sprint(sshPort), "-i", key, "-o", "IdentitiesOnly=yes",
			"-o", "StrictHostKeyChecking="+strict, "-o", "UserKnownHostsFile="+knownHosts,
			"-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
			"-o", "LogLevel=ERROR", "-t", "dev@127.0.0.1")
		tm.waitFor(t, "dev@acme.test")
		tm.sendKeys(t, "2") // the Keys tab works for a developer
		tm.waitFor(t, "Keys")
		tm.sendKeys(t, "q")
		if code := tm.waitExit(t); code != 0 {
			t.Fatalf("ssh exited with %d after q; screen:\n%s", code, tm.capture())
		}
		stop()
	}
	fi, err := os.Stat(hostKey)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key %v mode %v", err, fi)
	}
}

func buildPmdev(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "pmdev")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startServer runs `pmdev server --ssh-addr` until stop is called.
func startServer(t *testing.T, bin string, env []string, db, hostKey string, sshPort int) (stop func()) {
	t.Helper()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "server", "--db", db, "--addr", "127.0.0.1:0",
		"--ssh-addr", fmt.Sprintf("127.0.0.1:%d", sshPort), "--ssh-host-key", hostKey)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", sshPort))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("ssh port never opened: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("pmdev server exited with %v\n%s", err, logs.String())
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("pmdev server did not stop\n%s", logs.String())
		}
	}
	t.Cleanup(stop)
	return stop
}

// tmux drives one detached tmux session of 100×30.
type tmux struct{ name string }

func newTmux(t *testing.T, name string) *tmux {
	t.Helper()
	tm := &tmux{name: name}
	t.Cleanup(func() { _ = exec.Command("tmux", "kill-session", "-t", name).Run() })
	return tm
}

func (tm *tmux) start(t *testing.T, argv ...string) {
	t.Helper()
	args := append([]string{"new-session", "-d", "-s", tm.name, "-x", "100", "-y", "30"}, argv...)
	// Keep the pane after ssh exits so its last screen and status can be read.
	args = append(args, ";", "set-option", "-t", tm.name, "remain-on-exit", "on")
	run(t, "tmux", args...)
}

// waitExit waits for the pane's program to end and returns its exit status.
func (tm *tmux) waitExit(t *testing.T) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		out, _ := exec.Command("tmux", "display-message", "-p", "-t", tm.name, "#{pane_dead} #{pane_dead_status}").Output()
		var dead, status int
		if n, _ := fmt.Sscan(string(out), &dead, &status); n == 2 && dead == 1 {
			return status
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("program in tmux did not exit; screen:\n%s", tm.capture())
	return -1
}

func (tm *tmux) capture() string {
	out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", tm.name).Output()
	return string(out)
}

func (tm *tmux) sendKeys(t *testing.T, keys ...string) {
	t.Helper()
	run(t, "tmux", append([]string{"send-keys", "-t", tm.name}, keys...)...)
}

func (tm *tmux) waitFor(t *testing.T, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if strings.Contains(tm.capture(), want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %q; screen:\n%s", want, tm.capture())
}
