package e2e_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	keysPlainRe = regexp.MustCompile(`pm_(?:live|test)_[A-Za-z0-9]{64}`)
	keysURLRe   = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)
)

// TestKeysCreateUseRevoke runs the real binary on the sandbox in tmux: it
// creates a key in the Keys pane, reads it off the screen, proves it sends
// email over HTTP, revokes it by typing its name, and proves it is refused.
func TestKeysCreateUseRevoke(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "pmdev")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	sock := "pmdev-keys-e2e"
	tmux := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	work := filepath.Join(dir, "work")
	if err := os.MkdirAll(work, 0o700); err != nil {
		t.Fatal(err)
	}
	env := "XDG_DATA_HOME=" + dir + "/data XDG_CONFIG_HOME=" + dir + "/cfg XDG_CACHE_HOME=" + dir + "/cache"
	tmux("new-session", "-d", "-s", "k", "-x", "120", "-y", "36", "cd "+work+" && env "+env+" "+bin+" --sandbox-traffic=false")
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", sock, "kill-server").Run() })

	capture := func() string { return tmux("capture-pane", "-p", "-t", "k") }
	waitFor := func(what string, ok func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			s := capture()
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; screen:\n%s", what, keysPlainRe.ReplaceAllString(s, "pm_…"))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	has := func(sub string) func(string) bool { return func(s string) bool { return strings.Contains(s, sub) } }

	waitFor("console", has("Overview"))
	tmux("send-keys", "-t", "k", "2")
	waitFor("keys list", has("API Keys"))
	tmux("send-keys", "-t", "k", "n")
	waitFor("wizard", has("Create API Key"))
	tmux("send-keys", "-t", "k", "-l", "E2E tmux key")
	tmux("send-keys", "-t", "k", "Enter", "Enter", "Enter", "Enter")
	screen := waitFor("show-once modal", func(s string) bool { return keysPlainRe.MatchString(s) })
	key := keysPlainRe.FindString(screen)
	base := keysURLRe.FindString(screen)
	if base == "" {
		t.Fatal("no API URL in the quick start")
	}
	if code := keysSend(t, base, key); code != http.StatusOK {
		t.Fatalf("new key: status %d, want 200", code)
	}

	tmux("send-keys", "-t", "k", "Enter")
	waitFor("close confirmation", has("will not be shown again"))
	tmux("send-keys", "-t", "k", "y")
	screen = waitFor("list", has("API Keys"))
	if keysPlainRe.MatchString(screen) {
		t.Fatal("plaintext still on screen after the modal closed")
	}
	tmux("send-keys", "-t", "k", "D")
	waitFor("revoke confirmation", has("Type the key name"))
	tmux("send-keys", "-t", "k", "-l", "E2E tmux key")
	tmux("send-keys", "-t", "k", "Enter")
	waitFor("revoked row", has("Revoked E2E tmux key"))
	if code := keysSend(t, base, key); code != http.StatusUnauthorized {
		t.Fatalf("revoked key: status %d, want 401", code)
	}
}

func keysSend(t *testing.T, base, key string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/emails/send",
		strings.NewReader(`{"to":"user@example.com","subject":"e2e","text_body":"hello"}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
