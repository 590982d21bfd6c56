package cli

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/testkit"
)

// received is one forward as the local handler saw it.
type received struct {
	header http.Header
	body   []byte
}

func TestListenForwardsSignedEventsAndSurvivesAFailingHandler(t *testing.T) {
	a := startRefAPI(t)
	var mu sync.Mutex
	var got []received
	fail := 1 // the first forward is refused: --retry sends it again
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{r.Header.Clone(), b})
		refuse := fail > 0
		fail--
		mu.Unlock()
		if refuse {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()

	var out, errb testkit.Buffer
	ios := &streams{in: strings.NewReader(""), out: &out, err: &errb, getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- executeContext(ctx, "test", []string{"listen", "--forward-to", recv.URL + "/webhooks", "--events", "email.sent,email.bounced",
			"--retry", "1", "--api-url", a.URL, "--token", a.dev}, ios)
	}()
	testkit.WaitFor(t, 10*time.Second, "listen to connect", func() bool { return strings.Contains(out.String(), "Ready") })
	secret := regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`).FindString(out.String())
	if secret == "" {
		t.Fatalf("no secret printed: %q", out.String())
	}

	a.run(t, "trigger", "email.sent", "--data", `{"to":"ada@example.com"}`).wantCode(t, 0, "trigger email.sent")
	a.run(t, "trigger", "contact.created").wantCode(t, 0, "trigger contact.created") // not listened to
	a.run(t, "trigger", "email.bounced").wantCode(t, 0, "trigger email.bounced")
	testkit.WaitFor(t, 10*time.Second, "three forwards", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 3 })
	time.Sleep(100 * time.Millisecond) // nothing more should come
	cancel()
	<-done

	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("%d forwards, want 3 (email.sent refused then retried, email.bounced)", len(got))
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []string{"email.sent", "email.sent", "email.bounced"}
	for i, r := range got {
		if err := wh.Verify(r.body, r.header); err != nil {
			t.Errorf("forward %d: Standard Webhooks signature: %v", i, err)
		}
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(r.body)
		if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); r.header.Get(models.HeaderWebhookSignature) != want {
			t.Errorf("forward %d: %s %q, want %q", i, models.HeaderWebhookSignature, r.header.Get(models.HeaderWebhookSignature), want)
		}
		var ev models.StreamedEvent
		if err := json.Unmarshal(r.body, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type != wantTypes[i] || r.header.Get(models.HeaderWebhookEvent) != ev.Type || r.header.Get(models.HeaderStdWebhookID) != ev.ID ||
			r.header.Get("Content-Type") != "application/json" || r.header.Get(models.HeaderWebhookDeliveryID) == "" {
			t.Errorf("forward %d: type %s, headers %v", i, ev.Type, r.header)
		}
	}
	if !bytes.Contains(got[0].body, []byte(`"to":"ada@example.com"`)) {
		t.Errorf("--data not in the forwarded event: %s", got[0].body)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	fwd := lines[2:]
	if len(fwd) != 3 || !strings.Contains(fwd[0], "500") || !strings.Contains(fwd[1], "204") || !strings.Contains(fwd[1], "attempt 2") ||
		!strings.Contains(fwd[2], "email.bounced") {
		t.Errorf("one line per forward with status and attempt, got:\n%s", strings.Join(fwd, "\n"))
	}
	if strings.Count(out.String(), secret) != 1 {
		t.Error("the secret is printed once, at the start")
	}
}

func TestTriggerAndLogsTailRefuseBadInput(t *testing.T) {
	a := startRefAPI(t)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"trigger", "email.nope"}, 2},
		{[]string{"trigger", "email.sent", "--data", "[1]"}, 2},
		{[]string{"trigger", "email.sent", "--data", `{"nope":1}`}, 2},
		{[]string{"logs", "tail", "--key", "no such key"}, 4},
		{[]string{"trigger", "email.sent", "--data", "@/does/not/exist.json"}, 2},
		{[]string{"logs", "tail", "--status", "3xx"}, 2},
		{[]string{"listen", "--forward-to", "ftp://x"}, 2},
		{[]string{"listen", "--forward-to", "http://localhost:1/x", "--events", "nope"}, 2},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			a.run(t, tc.args...).wantCode(t, tc.code, strings.Join(tc.args, " "))
		})
	}
	r := a.run(t, "trigger", "email.sent", "--json").wantCode(t, 0, "trigger --json")
	validate(t, "WebhookEvent", r.stdout)
}

// logs tail --key takes a name like every other --key: the stream is
// filtered by the id the name stands for.
func TestLogsTailFollowsAKeyByName(t *testing.T) {
	a := startRefAPI(t)
	plain := strings.TrimSpace(a.run(t, "keys", "create", "--name", "tailed", "--preset", "read-only").wantCode(t, 0, "create key").stdout)
	id := strings.TrimSpace(a.run(t, "keys", "get", "tailed", "--jq", ".key_id").wantCode(t, 0, "key id").stdout)
	var out, errb testkit.Buffer
	ios := &streams{in: strings.NewReader(""), out: &out, err: &errb, getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- executeContext(ctx, "test", []string{"logs", "tail", "--key", "tailed", "--json", "--api-url", a.URL, "--token", a.admin}, ios)
	}()
	testkit.WaitFor(t, 10*time.Second, "a request of the key in the log", func() bool {
		req, _ := http.NewRequest(http.MethodGet, a.URL+"/api/v1/campaigns", nil)
		req.Header.Set("Authorization", "Bearer "+plain)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		return strings.Contains(out.String(), `"key_id":"`+id+`"`)
	})
	cancel()
	if code := <-done; code != 130 {
		t.Errorf("ctrl+c: exit %d, want 130 (stderr %q)", code, errb.String())
	}
}
