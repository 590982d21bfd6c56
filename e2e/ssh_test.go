package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSSHWithOpenSSHClient builds pmdev, registers a key made by ssh-keygen,
// serves the console with `pmdev server --ssh-addr` and connects with the
// real OpenSSH client inside tmux. A restart must keep the host key, so the
// second connection passes strict host key checking with the same known_hosts.
func TestSSHWithOpenSSHClient(t *testing.T) {
	requireSSHTools(t)
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
		stop := startProc(t, bin, env, sshPort, "server", "--db", db, "--addr", "127.0.0.1:0",
			"--ssh-addr", fmt.Sprintf("127.0.0.1:%d", sshPort), "--ssh-host-key", hostKey)
		tm := newTmux(t, fmt.Sprintf("pmdev-ssh-e2e-%d-%d", os.Getpid(), round))
		tm.start(t, "ssh", "-p", fmt.Sprint(sshPort), "-i", key, "-o", "IdentitiesOnly=yes",
			"-o", "StrictHostKeyChecking="+strict, "-o", "UserKnownHostsFile="+knownHosts,
			"-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
			"-o", "LogLevel=ERROR", "-t", "dev@127.0.0.1")
		tm.waitFor(t, "dev@acme.test")
		tm.sendKeys(t, "2") // the Keys tab works for a developer
		tm.waitFor(t, "API Keys")
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

func requireSSHTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"tmux", "ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
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

// startProc runs pmdev with args until stop is called (SIGINT), once port accepts connections.
func startProc(t *testing.T, bin string, env []string, port int, args ...string) (stop func()) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "out.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	logs := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("pmdev %s: port %d never opened: %v\n%s", args[0], port, err, logs())
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
				t.Errorf("pmdev %s exited with %v\n%s", args[0], err, logs())
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("pmdev %s did not stop\n%s", args[0], logs())
		}
	}
	t.Cleanup(stop)
	return stop
}

// TestSSHGatewayWithOpenSSHClient starts a reference server on its own, then
// `pmdev ssh-gateway` that knows only its URL and a token file, and connects
// with OpenSSH.
func TestSSHGatewayWithOpenSSHClient(t *testing.T) {
	requireSSHTools(t)
	dir := t.TempDir()
	bin := buildPmdev(t, dir)
	env := append(os.Environ(), "XDG_DATA_HOME="+filepath.Join(dir, "data"))
	db := filepath.Join(dir, "pm.db")
	add := exec.Command(bin, "server", "users", "add", "--db", db, "--email", "ops@acme.test", "--role", "admin", "--tenant", "Acme")
	add.Env = env
	token, err := add.Output()
	if err != nil || !bytes.HasPrefix(token, []byte("pm_pat_")) {
		t.Fatalf("users add: %v %q", err, token)
	}
	tokenFile := filepath.Join(dir, "ops.token")
	if err := os.WriteFile(tokenFile, token, 0o600); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "id_ed25519")
	run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ops@laptop", "-f", key)
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	ids := filepath.Join(dir, "identities")
	line := `profile="ops",token-file="` + tokenFile + `" ` + string(pub)
	if err := os.WriteFile(ids, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}

	apiPort, sshPort := freePort(t), freePort(t)
	startProc(t, bin, env, apiPort, "server", "--db", db, "--addr", fmt.Sprintf("127.0.0.1:%d", apiPort))
	stopGW := startProc(t, bin, env, sshPort, "ssh-gateway", "--listen", fmt.Sprintf("127.0.0.1:%d", sshPort),
		"--api-url", fmt.Sprintf("http://127.0.0.1:%d", apiPort), "--identities", ids,
		"--ssh-host-key", filepath.Join(dir, "gw_host"), "--audit-log", filepath.Join(dir, "audit.log"))
	tm := newTmux(t, fmt.Sprintf("pmdev-gw-e2e-%d", os.Getpid()))
	tm.start(t, "ssh", "-p", fmt.Sprint(sshPort), "-i", key, "-o", "IdentitiesOnly=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile="+filepath.Join(dir, "known_hosts"),
		"-o", "LogLevel=ERROR", "-t", "127.0.0.1")
	tm.waitFor(t, "ops@acme.test")
	tm.sendKeys(t, "q")
	if code := tm.waitExit(t); code != 0 {
		t.Fatalf("ssh exited with %d; screen:\n%s", code, tm.capture())
	}
	stopGW()
	audit, err := os.ReadFile(filepath.Join(dir, "audit.log"))
	if err != nil || !bytes.Contains(audit, []byte(`"msg":"ssh.session.end"`)) || !bytes.Contains(audit, []byte(`"user":"ops"`)) {
		t.Fatalf("gateway audit log: %v\n%s", err, audit)
	}
	if bytes.Contains(audit, bytes.TrimSpace(token)) || strings.Contains(tm.capture(), string(bytes.TrimSpace(token))) {
		t.Fatal("the profile token leaked")
	}
}

// tmux drives one detached session of 100×30 on its own tmux server.
type tmux struct{ name string }

func newTmux(t *testing.T, name string) *tmux {
	t.Helper()
	tm := &tmux{name: name}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", name, "kill-server").Run() })
	return tm
}

func (tm *tmux) cmd(args ...string) *exec.Cmd {
	return exec.Command("tmux", append([]string{"-L", tm.name}, args...)...)
}

func (tm *tmux) start(t *testing.T, argv ...string) {
	t.Helper()
	args := append([]string{"new-session", "-d", "-s", tm.name, "-x", "100", "-y", "30"}, argv...)
	// Keep the pane after ssh exits so its last screen and status can be read.
	args = append(args, ";", "set-option", "-t", tm.name, "remain-on-exit", "on")
	if out, err := tm.cmd(args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
}

// waitExit waits for the pane's program to end and returns its exit status
// (-1 when a signal ended it).
func (tm *tmux) waitExit(t *testing.T) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		out, _ := tm.cmd("display-message", "-p", "-t", tm.name, "#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}").Output()
		last = strings.TrimSpace(string(out))
		dead, rest, _ := strings.Cut(last, ":")
		status, signal, _ := strings.Cut(rest, ":")
		if dead == "1" {
			if n, err := strconv.Atoi(status); err == nil {
				return n
			}
			if signal != "" {
				t.Logf("pane ended by signal %s", signal)
				return -1
			}
			// tmux may mark the pane dead a moment before it has the status.
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("program in tmux did not exit (pane %q); screen:\n%s", last, tm.capture())
	return -1
}

func (tm *tmux) capture() string {
	out, _ := tm.cmd("capture-pane", "-p", "-t", tm.name).Output()
	return string(out)
}

func (tm *tmux) sendKeys(t *testing.T, keys ...string) {
	t.Helper()
	if out, err := tm.cmd(append([]string{"send-keys", "-t", tm.name}, keys...)...).CombinedOutput(); err != nil {
		t.Fatalf("tmux send-keys: %v\n%s", err, out)
	}
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
