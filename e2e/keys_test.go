package e2e_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/e2e"
)

var (
	keysPlainRe = regexp.MustCompile(`pm_(?:live|test)_[A-Za-z0-9]{64}`)
	keysURLRe   = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)
)

// TestKeysCreateUseRevoke runs the real binary on the sandbox in tmux: it
// creates a key in the Keys pane, reads it off the screen, proves it sends
// email over HTTP, writes it to .env, revokes it by typing its name, and
// proves it is refused.
func TestKeysCreateUseRevoke(t *testing.T) {
	work := t.TempDir()
	s := e2e.StartIn(t, work, []string{"--sandbox-traffic=false"}, nil)
	s.Redact = keysPlainRe

	s.WaitFor("Overview", 45*time.Second) // the first run seeds the sandbox
	s.SendKeys("2")
	s.WaitFor("API Keys", 15*time.Second)
	s.SendKeys("n")
	s.WaitFor("Create API Key", 15*time.Second)
	s.SendKeys("-l", "E2E tmux key")
	s.SendKeys("Enter", "Enter", "Enter", "Enter")
	screen := s.WaitMatch(keysPlainRe, 15*time.Second)
	key := keysPlainRe.FindString(screen)
	base := keysURLRe.FindString(screen)
	if base == "" {
		t.Fatal("no API URL in the quick start")
	}
	if code := keysSend(t, base, key); code != http.StatusOK {
		t.Fatalf("new key: status %d, want 200", code)
	}

	// w writes the key to .env in the working directory, readable only by us.
	s.SendKeys("w")
	s.WaitFor("written to", 15*time.Second)
	env := filepath.Join(work, ".env")
	st, err := os.Stat(env)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf(".env mode %v, want 0600", st.Mode().Perm())
	}
	if b, _ := os.ReadFile(env); !strings.Contains(string(b), "PENGUINMAILS_API_KEY="+key+"\n") {
		t.Fatal(".env does not hold the shown key")
	}

	s.SendKeys("Enter")
	s.WaitFor("will not be shown again", 15*time.Second)
	s.SendKeys("y")
	screen = s.WaitGone("will not be shown again", 15*time.Second)
	if keysPlainRe.MatchString(screen) {
		t.Fatal("plaintext still on screen after the modal closed")
	}
	s.SendKeys("D")
	s.WaitFor("Type the key name", 15*time.Second)
	s.SendKeys("-l", "E2E tmux key")
	s.SendKeys("Enter")
	s.WaitFor("Revoked E2E tmux key", 15*time.Second)
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
