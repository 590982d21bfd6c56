package e2e_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/e2e"
)

var whSecretRe = regexp.MustCompile(`whsec_[A-Za-z0-9+/]{40,}={0,2}`)

// TestWebhooksCreateAndTest runs the real binary on the sandbox in tmux: it
// creates a webhook pointing at a local receiver in the Webhooks pane, reads
// the show-once secret off the screen, sends a test event and sees it
// delivered, and checks the receiver got a request signed with that secret.
func TestWebhooksCreateAndTest(t *testing.T) {
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

	s := e2e.StartIn(t, t.TempDir(), []string{"--sandbox-traffic=false"}, nil)
	s.Redact = whSecretRe
	const wait = 20 * time.Second
	keys := s.SendKeys

	s.WaitFor("Overview", 45*time.Second) // the first run seeds the sandbox
	keys("5")
	s.WaitFor("Webhook endpoints", wait)
	keys("n")
	s.WaitFor("New webhook endpoint", wait)
	keys("-l", rv.URL+"/hooks/pm")
	keys("Enter")
	s.WaitFor("email events only", wait)
	keys("Enter")
	s.WaitFor("Review", wait)
	keys("Enter")
	screen := s.WaitMatch(whSecretRe, wait)
	secret := whSecretRe.FindString(screen)
	for _, lang := range []string{"Go", "Node.js", "Python"} {
		if !strings.Contains(screen, lang) {
			t.Fatalf("no %s snippet tab", lang)
		}
	}
	keys("c")
	keys("Enter")
	// Unless a system clipboard took the copy, OSC 52 cannot confirm it:
	// closing asks to check it first.
	listed := func(screen string) bool {
		return strings.Contains(screen, "Webhook endpoints") && strings.Contains(screen, strings.TrimPrefix(rv.URL, "http://"))
	}
	if screen := s.WaitUntil("the list or the copy check", wait, func(screen string) bool {
		return listed(screen) || strings.Contains(screen, "The copy (OSC 52) is unconfirmed")
	}); !listed(screen) {
		keys("Enter")
	}
	screen = s.WaitUntil("the list with the endpoint", wait, listed)
	if whSecretRe.MatchString(screen) {
		t.Fatal("secret still on screen after the modal closed")
	}

	keys("t")
	s.WaitFor("Send a test event", wait)
	keys("Enter")
	s.WaitFor("Test delivered", wait)
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
	s.WaitGone("Send a test event", wait)
	keys("Enter")
	s.WaitUntil("the delivery in the details", wait, func(screen string) bool {
		return strings.Contains(screen, "email.sent (test)") && strings.Contains(screen, "success")
	})
}
