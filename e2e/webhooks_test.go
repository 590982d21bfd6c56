package e2e_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var whSecretRe = regexp.MustCompile(`whsec_[A-Za-z0-9+/]{40,}={0,2}`)

// TestWebhooksCreateAndTest runs the real binary on the sandbox in tmux: it
// creates a webhook pointing at a local receiver in the Webhooks pane, reads
// the show-once secret off the screen, sends a test event and sees it
// delivered, and checks the receiver got a request signed with that secret.
func TestWebhooksCreateAndTest(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
	type got struct {
		header http.Header
		body   []byte
	}
	var mu sync.Mutex
	var reqs []got
	rv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, got{r.Header.Clone(), b})
		mu.Unlock()
		_, _ = io.WriteString(w, "received by e2e")
	}))
	defer rv.Close()

	dir := t.TempDir()
	bin := filepath.Join(dir, "pmdev")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	sock := "pmdev-webhooks-e2e"
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
	tmux("new-session", "-d", "-s", "w", "-x", "120", "-y", "36", "cd "+work+" && env "+env+" "+bin+" --sandbox-traffic=false")
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", sock, "kill-server").Run() })

	capture := func() string { return tmux("capture-pane", "-p", "-t", "w") }
	waitFor := func(what string, ok func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			s := capture()
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; screen:\n%s", what, whSecretRe.ReplaceAllString(s, "whsec_…"))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	has := func(sub string) func(string) bool { return func(s string) bool { return strings.Contains(s, sub) } }
	keys := func(k ...string) { tmux(append([]string{"send-keys", "-t", "w"}, k...)...) }

	waitFor("console", has("Overview"))
	keys("5")
	waitFor("webhooks list", has("Webhook endpoints"))
	keys("n")
	waitFor("wizard", has("New webhook endpoint"))
	keys("-l", rv.URL+"/hooks/pm")
	keys("Enter")
	waitFor("events step", has("email events only"))
	keys("Enter")
	waitFor("retries step", has("Review"))
	keys("Enter")
	screen := waitFor("show-once secret", func(s string) bool { return whSecretRe.MatchString(s) })
	secret := whSecretRe.FindString(screen)
	for _, lang := range []string{"Go", "Node.js", "Python"} {
		if !strings.Contains(screen, lang) {
			t.Fatalf("no %s snippet tab", lang)
		}
	}
	keys("c")
	keys("Enter")
	screen = waitFor("list with the endpoint", func(s string) bool {
		return strings.Contains(s, "Webhook endpoints") && strings.Contains(s, strings.TrimPrefix(rv.URL, "http://"))
	})
	if whSecretRe.MatchString(screen) {
		t.Fatal("secret still on screen after the modal closed")
	}

	keys("t")
	waitFor("test dialog", has("Send a test event"))
	keys("Enter")
	waitFor("test delivered", has("Test delivered"))
	mu.Lock()
	if len(reqs) != 1 {
		mu.Unlock()
		t.Fatalf("receiver got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	mu.Unlock()
	// The receiver verifies the Standard Webhooks signature with the secret from the screen.
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(r.header.Get("webhook-id") + "." + r.header.Get("webhook-timestamp") + "."))
	m.Write(r.body)
	if want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)); r.header.Get("webhook-signature") != want {
		t.Fatalf("signature %q does not verify with the shown secret", r.header.Get("webhook-signature"))
	}
	if r.header.Get("X-PenguinMails-Event") != "email.sent" {
		t.Fatalf("event %q", r.header.Get("X-PenguinMails-Event"))
	}

	// The delivery shows up in the endpoint's log.
	keys("Escape") // sent alone: ESC then Enter in one write reads as alt+enter
	waitFor("list again", func(s string) bool { return !strings.Contains(s, "Send a test event") })
	keys("Enter")
	waitFor("delivery in details", func(s string) bool { return strings.Contains(s, "email.sent (test)") && strings.Contains(s, "success") })
}
