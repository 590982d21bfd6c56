package e2e_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/e2e"
)

// TestSSHWithOpenSSHClient builds pmdev, registers a key made by ssh-keygen,
// serves the console with `pmdev server --ssh-addr` and connects with the
// real OpenSSH client inside tmux. A restart must keep the host key, so the
// second connection passes strict host key checking with the same known_hosts.
func TestSSHWithOpenSSHClient(t *testing.T) {
	requireSSHTools(t)
	dir := t.TempDir()
	bin := e2e.Binary(t)
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
	// The server's working directory: nothing a remote user does may write there.
	serverDir := filepath.Join(dir, "srv")
	if err := os.Mkdir(serverDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for round, strict := range []string{"no", "yes"} {
		stop := startProcIn(t, serverDir, bin, env, sshPort, "server", "--db", db, "--addr", "127.0.0.1:0",
			"--ssh-addr", fmt.Sprintf("127.0.0.1:%d", sshPort), "--ssh-host-key", hostKey)
		tm := startSSH(t, sshPort, key, "dev@127.0.0.1", "-o", "StrictHostKeyChecking="+strict,
			"-o", "UserKnownHostsFile="+knownHosts, "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no")
		tm.WaitFor("dev@acme.test", waitLong)
		tm.SendKeys("2") // the Keys tab works for a developer
		tm.WaitFor("API Keys", waitLong)
		if round == 0 {
			createKeyOverSSH(t, tm, serverDir)
		}
		tm.SendKeys("q")
		if code := tm.WaitExit(waitLong); code != 0 {
			t.Fatalf("ssh exited with %d after q; screen:\n%s", code, shown(tm))
		}
		stop()
	}
	fi, err := os.Stat(hostKey)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key %v mode %v", err, fi)
	}

	// The key is listed with its last use; once removed, OpenSSH is refused.
	fpOut, err := exec.Command("ssh-keygen", "-l", "-E", "sha256", "-f", key+".pub").Output()
	if err != nil {
		t.Fatal(err)
	}
	fp := strings.Fields(string(fpOut))[1]
	pmdev := func(args ...string) string {
		c := exec.Command(bin, args...)
		c.Env = env
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("pmdev %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if list := pmdev("server", "users", "ssh-keys", "list", "--db", db); !strings.Contains(list, fp) || strings.Contains(list, "never") {
		t.Fatalf("ssh-keys list does not show %s as used:\n%s", fp, list)
	}
	pmdev("server", "users", "ssh-keys", "remove", "--db", db, fp)
	stop := startProcIn(t, serverDir, bin, env, sshPort, "server", "--db", db, "--addr", "127.0.0.1:0",
		"--ssh-addr", fmt.Sprintf("127.0.0.1:%d", sshPort), "--ssh-host-key", hostKey)
	defer stop()
	refused := exec.Command("ssh", "-p", fmt.Sprint(sshPort), "-i", key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile="+knownHosts, "-T", "dev@127.0.0.1")
	out, err := refused.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Permission denied (publickey)") {
		t.Fatalf("removed key: err %v, output %s", err, out)
	}
}

var plainKeyRe = regexp.MustCompile(`pm_live_[A-Za-z0-9]{20,}`)

// waitLong bounds each wait on an SSH session (a session start includes the
// handshake and the first API calls).
const waitLong = 15 * time.Second

// startSSH runs the OpenSSH client in tmux against 127.0.0.1:port with key
// only, plus opts; any plaintext API key is masked in failure screens.
func startSSH(t *testing.T, port int, key, dest string, opts ...string) *e2e.Session {
	t.Helper()
	argv := []string{"ssh", "-p", fmt.Sprint(port), "-i", key, "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR"}
	argv = append(append(argv, opts...), "-t", dest)
	tm := e2e.StartCommand(t, argv, nil)
	tm.Redact = plainKeyRe
	return tm
}

// shown is the screen for failure messages, with any plaintext key masked.
func shown(tm *e2e.Session) string { return plainKeyRe.ReplaceAllString(tm.Capture(), "pm_live_…") }

// createKeyOverSSH creates a key in the console: the copy (OSC 52) must reach
// the client's terminal (tmux's buffer), and the show-once modal must offer
// no file write, so nothing lands on the server.
func createKeyOverSSH(t *testing.T, tm *e2e.Session, serverDir string) {
	t.Helper()
	tm.SendKeys("n")
	tm.WaitFor("Create API Key", waitLong)
	tm.SendKeys("-l", "over ssh")
	tm.SendKeys("Enter", "Enter", "Enter", "Enter")
	screen := tm.WaitFor("API Key Created", waitLong)
	key := plainKeyRe.FindString(screen)
	if key == "" {
		t.Fatal("no key on the show-once screen")
	}
	if strings.Contains(screen, "write .env") {
		t.Fatalf("the show-once modal offers a .env over SSH:\n%s", shown(tm))
	}
	tm.SendKeys("c")
	tm.WaitUntil("the copied key in the client's clipboard (tmux buffer)", 10*time.Second, func(string) bool {
		return strings.Contains(tm.Clipboard(), key)
	})
	tm.SendKeys("w")
	tm.WaitFor("can't be written over SSH", waitLong)
	if entries, _ := os.ReadDir(serverDir); len(entries) > 0 {
		t.Fatalf("the session wrote %s on the server", entries[0].Name())
	}
	tm.SendKeys("Enter")
	tm.WaitFor("will not be shown again", waitLong)
	tm.SendKeys("y")
	tm.WaitFor("over ssh", waitLong)
}

// requireSSHTools skips without tmux or OpenSSH, except in CI, where the
// real ssh client is part of what is tested.
func requireSSHTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"tmux", "ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required in CI", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
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
	return startProcIn(t, "", bin, env, port, args...)
}

// startProcIn is startProc with the working directory wd.
func startProcIn(t *testing.T, wd, bin string, env []string, port int, args ...string) (stop func()) {
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
	cmd.Dir = wd
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
	bin := e2e.Binary(t)
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
	tm := startSSH(t, sshPort, key, "127.0.0.1", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile="+filepath.Join(dir, "known_hosts"))
	tm.WaitFor("ops@acme.test", waitLong)
	tm.SendKeys("q")
	if code := tm.WaitExit(waitLong); code != 0 {
		t.Fatalf("ssh exited with %d; screen:\n%s", code, shown(tm))
	}
	stopGW()
	audit, err := os.ReadFile(filepath.Join(dir, "audit.log"))
	if err != nil || !bytes.Contains(audit, []byte(`"msg":"ssh.session.end"`)) || !bytes.Contains(audit, []byte(`"user":"ops"`)) {
		t.Fatalf("gateway audit log: %v\n%s", err, audit)
	}
	if bytes.Contains(audit, bytes.TrimSpace(token)) || strings.Contains(tm.Capture(), string(bytes.TrimSpace(token))) {
		t.Fatal("the profile token leaked")
	}
}
