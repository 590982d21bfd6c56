package docs_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/internal/apidocs/apidocstest"
	"github.com/penguinmails/pmdev/internal/sandbox/sandboxtest"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/docs"
)

// sandbox is a real server serving the docs and a client signed in as an admin.
func sandbox(t *testing.T) (*client.Client, string) {
	env := sandboxtest.Serve(t, sandboxtest.Options{Assets: os.DirFS("../../api")})
	return env.Admin(t), env.URL
}

func pane(t *testing.T, c *client.Client, apiURL, cacheDir string) *docs.Model {
	t.Helper()
	return paneAt(t, c, apiURL, cacheDir, time.Now)
}

// paneAt is pane with the console's clock at now.
func paneAt(t *testing.T, c *client.Client, apiURL, cacheDir string, now func() time.Time) *docs.Model {
	t.Helper()
	ctx := commontest.Context(120, 40, c)
	ctx.Assets = os.DirFS("../../api")
	ctx.CacheDir = cacheDir
	ctx.APIURL = apiURL
	ctx.Active = common.PaneDocs
	ctx.Now = now
	m := docs.New(ctx)
	m.SetSize(120, 40)
	return m
}

func TestTryItAgainstSandbox(t *testing.T) {
	c, url := sandbox(t)
	m := pane(t, c, url, t.TempDir())
	docs.Drive(t, m, m.Init(), func() bool { return m.Loaded() && m.Source() == apidocs.SourceLive }, nil)
	docs.Drive(t, m, m.Update(common.NavigateMsg{To: common.PaneDocs, Slug: "emails"}), func() bool { return m.Loaded() && m.Slug() == "emails" }, nil)

	docs.Drive(t, m, m.Update(docs.Key("T")), nil, nil)
	if !m.TryOpen() {
		t.Fatal("T did not open Try it on the emails page")
	}
	// A key with a bad checksum is refused before any request.
	docs.Type(t, m, "pm_test_0123456789")
	docs.Drive(t, m, m.Update(docs.Key("enter")), nil, nil)
	if _, sent := m.TryResponse(); sent || !strings.Contains(m.TryError(), "not a valid API key") {
		t.Fatalf("bad key: sent=%v err=%q", sent, m.TryError())
	}
	for range len("pm_test_0123456789") {
		docs.Drive(t, m, m.Update(docs.Key("backspace")), nil, nil)
	}

	// Empty key in the sandbox: a temporary test key is minted and used.
	docs.Drive(t, m, m.Update(docs.Key("enter")), func() bool { _, ok := m.TryResponse(); return ok }, nil)
	resp, _ := m.TryResponse()
	if resp.Status != 200 {
		t.Fatalf("send: status %d, body %s (err %q)", resp.Status, resp.Body, m.TryError())
	}
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit-Policy", "RateLimit"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("response lacks %s", h)
		}
	}
	if resp.Latency <= 0 {
		t.Error("no latency measured")
	}
	view := commontest.Plain(m.View())
	for _, want := range []string{"200 OK", "X-RateLimit-Remaining", `"status": "queued"`, "temporary sandbox key pm_test_"} {
		if !strings.Contains(view, want) {
			t.Errorf("Try it view lacks %q:\n%s", want, view)
		}
	}
	keys, err := c.ListKeys(context.Background(), models.KeyListParams{Q: "try-it"})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.APIKeys) != 1 || keys.APIKeys[0].Environment != models.EnvTest || keys.APIKeys[0].ExpiresAt == nil {
		t.Fatalf("temporary key = %+v", keys.APIKeys)
	}
	if left := time.Until(*keys.APIKeys[0].ExpiresAt); left < 23*time.Hour || left > 25*time.Hour {
		t.Errorf("temporary key expires in %v, want 24h", left)
	}

	// Invalid JSON is caught before sending: tab to the body and break it.
	docs.Drive(t, m, m.Update(docs.Key("tab")), nil, nil)
	docs.Type(t, m, "x")
	docs.Drive(t, m, m.Update(docs.Key("tab")), nil, nil) // to Send
	docs.Drive(t, m, m.Update(docs.Key("enter")), nil, nil)
	if !strings.Contains(m.TryError(), "not valid JSON") {
		t.Fatalf("invalid body: err %q", m.TryError())
	}

	// A second send reuses the minted key.
	docs.Drive(t, m, m.Update(docs.Key("shift+tab")), nil, nil)
	docs.Drive(t, m, m.Update(docs.Key("backspace")), nil, nil) // removes the x again
	docs.Drive(t, m, m.Update(docs.Key("tab")), nil, nil)
	docs.Drive(t, m, m.Update(docs.Key("enter")), func() bool {
		r, ok := m.TryResponse()
		return ok && string(r.Body) != string(resp.Body)
	}, nil)
	if r, _ := m.TryResponse(); r.Status != 200 {
		t.Fatalf("second send: %d %s", r.Status, r.Body)
	}
	c.ForgetETags() // the list is conditional; we want the body again
	keys, err = c.ListKeys(context.Background(), models.KeyListParams{Q: "try-it"})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.APIKeys) != 1 {
		t.Errorf("second send minted another key: %d keys", len(keys.APIKeys))
	}
	docs.Drive(t, m, m.Update(docs.Key("esc")), nil, nil)
	if m.TryOpen() {
		t.Error("esc did not close Try it")
	}
}

func TestOfflineUsesCache(t *testing.T) {
	// A dead API: start a server and close it so the port refuses.
	hs := httptest.NewServer(nil)
	dead := hs.URL
	hs.Close()
	c := client.New(client.Options{BaseURL: dead, Token: "pm_pat_x", RetryCount: -1, Timeout: 2 * time.Second})

	cacheDir := t.TempDir()
	lib := apidocstest.Library()
	lib.Index.Version = "0.9.9+cached"
	lib.Source, lib.Origin = apidocs.SourceCache, "https://api.example.test"
	lib.FetchedAt = time.Date(2026, 11, 29, 9, 15, 0, 0, time.UTC)
	lib.Pages["authentication"] = strings.Replace(lib.Pages["authentication"], "# Authentication", "# Authentication\n\nCACHED COPY MARKER", 1)
	if err := apidocs.SaveCache(common.OSFiles{}, cacheDir, lib); err != nil {
		t.Fatal(err)
	}

	m := pane(t, c, dead, cacheDir)
	docs.Drive(t, m, m.Init(), func() bool {
		return m.Loaded() && strings.Contains(m.View(), "cannot reach")
	}, nil)
	if m.Source() != apidocs.SourceCache {
		t.Fatalf("source = %s, want cache", m.Source())
	}
	view := commontest.Plain(m.View())
	for _, want := range []string{"v0.9.9+cached", "offline copy", "fetched 29 Nov 2026", "CACHED COPY MARKER"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}

	// A cache older than the bundled copy (the binary was upgraded offline)
	// loses to it.
	lib.Index.UpdatedAt = lib.Index.UpdatedAt.Add(-30 * 24 * time.Hour)
	if err := apidocs.SaveCache(common.OSFiles{}, cacheDir, lib); err != nil {
		t.Fatal(err)
	}
	m = pane(t, c, dead, cacheDir)
	docs.Drive(t, m, m.Init(), func() bool { return m.Loaded() && strings.Contains(m.View(), "cannot reach") }, nil)
	if m.Source() != apidocs.SourceEmbedded {
		t.Fatalf("older cache used over the newer bundled copy: %s", m.Source())
	}

	// No cache either: the embedded copy, labelled as such.
	m = pane(t, c, dead, t.TempDir())
	docs.Drive(t, m, m.Init(), func() bool { return m.Loaded() && strings.Contains(m.View(), "cannot reach") }, nil)
	if m.Source() != apidocs.SourceEmbedded || !strings.Contains(commontest.Plain(m.View()), "built-in copy") {
		t.Fatalf("source %s, view:\n%s", m.Source(), commontest.Plain(m.View()))
	}
}

func TestLiveCopyIsCached(t *testing.T) {
	c, url := sandbox(t)
	cacheDir := t.TempDir()
	m := pane(t, c, url, cacheDir)
	docs.Drive(t, m, m.Init(), func() bool { return m.Loaded() && m.Source() == apidocs.SourceLive }, nil)
	cached, err := apidocs.LoadCache(cacheDir)
	if err != nil || cached == nil {
		t.Fatalf("no cache written: %v", err)
	}
	emb := apidocstest.Library()
	if cached.Index.Version != emb.Index.Version || cached.Origin != url || cached.FetchedAt.IsZero() || len(cached.Pages) != len(emb.Pages) {
		t.Fatalf("cache = version %s origin %s at %v, %d pages", cached.Index.Version, cached.Origin, cached.FetchedAt, len(cached.Pages))
	}
	if !strings.Contains(commontest.Plain(m.View()), "live · v") {
		t.Errorf("live copy not labelled:\n%s", commontest.Plain(m.View()))
	}
}

// A new session's first Try it revokes the temporary keys earlier sessions
// minted for this user and left idle (their plaintext is gone): one stays
// active.
func TestTryItRevokesEarlierTemporaryKeys(t *testing.T) {
	env := sandboxtest.Serve(t, sandboxtest.Options{Assets: os.DirFS("../../api")})
	var c *client.Client
	for session := range 3 {
		c = env.Admin(t) // a new process: a new client, no key in memory
		// Each session comes past the earlier one's quiet period.
		later := time.Duration(session) * (docs.TempKeyBusy + time.Minute)
		m := paneAt(t, c, env.URL, t.TempDir(), func() time.Time { return time.Now().Add(later) })
		tryEmails(t, m, fmt.Sprintf("session %d", session))
	}
	if n := activeTempKeys(t, c); n != 1 {
		t.Fatalf("%d temporary keys active, want 1", n)
	}
}

// Two open sessions of one user keep their own temporary keys; a session
// whose key was revoked elsewhere mints a new one and its call still works.
func TestTryItSessionsOfOneUserKeepTheirKeys(t *testing.T) {
	env := sandboxtest.Serve(t, sandboxtest.Options{Assets: os.DirFS("../../api")})
	first, second := pane(t, env.Admin(t), env.URL, t.TempDir()), pane(t, env.Admin(t), env.URL, t.TempDir())
	tryEmails(t, first, "first session")
	key := first.TempKey()
	tryEmails(t, second, "second session")
	if first.TempKey() == second.TempKey() {
		t.Fatal("the sessions share a key")
	}
	tryEmails(t, first, "first session again")
	if first.TempKey() != key {
		t.Fatal("the first session's key was replaced although it still worked")
	}
	if n := activeTempKeys(t, env.Admin(t)); n != 2 {
		t.Fatalf("%d temporary keys active, want 2 (one per open session)", n)
	}

	// Revoked by hand: the next call mints a new key instead of failing.
	c := env.Admin(t)
	keys, err := c.ListKeys(context.Background(), models.KeyListParams{Q: docs.TempKeyName, Status: models.KeyActive})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys.APIKeys {
		if _, err := c.RevokeKey(context.Background(), k.KeyID); err != nil {
			t.Fatal(err)
		}
	}
	tryEmails(t, first, "after the revocation")
	if first.TempKey() == key || first.TempKey() == "" {
		t.Fatal("no new key minted after the revocation")
	}
}

// tryEmails opens Try it on the emails page (once) and sends its request,
// which must succeed.
func tryEmails(t *testing.T, m *docs.Model, what string) {
	t.Helper()
	if !m.TryOpen() {
		docs.Drive(t, m, m.Init(), func() bool { return m.Loaded() && m.Source() == apidocs.SourceLive }, nil)
		docs.Drive(t, m, m.Update(common.NavigateMsg{To: common.PaneDocs, Slug: "emails"}), func() bool { return m.Loaded() && m.Slug() == "emails" }, nil)
		docs.Drive(t, m, m.Update(docs.Key("T")), nil, nil)
	}
	docs.Drive(t, m, m.Update(docs.Key("enter")), nil, nil)
	if r, ok := m.TryResponse(); !ok || r.Status != 200 {
		t.Fatalf("%s: status %d (err %q)", what, r.Status, m.TryError())
	}
}

func activeTempKeys(t *testing.T, c *client.Client) int {
	t.Helper()
	active, err := c.ListKeys(context.Background(), models.KeyListParams{Q: docs.TempKeyName, Status: models.KeyActive})
	if err != nil {
		t.Fatal(err)
	}
	return len(active.APIKeys)
}
