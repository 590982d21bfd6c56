package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
	"github.com/penguinmails/pmdev/tui/common"
)

// syncBuffer is a goroutine-safe bytes.Buffer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// apiCounter counts the requests that reach the API, by path.
type apiCounter struct {
	mu     sync.Mutex
	byPath map[string]int
	total  int
	fps    map[string]bool // X-PM-Actor-Fingerprint values seen
	auths  map[string]bool // bearer prefixes seen (never whole tokens)
}

func (c *apiCounter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.byPath[r.URL.Path]++
		c.total++
		if fp := r.Header.Get(server.ActorFingerprintHeader); fp != "" {
			c.fps[fp] = true
		}
		if a := r.Header.Get("Authorization"); len(a) > 14 {
			c.auths[a[:14]] = true
		}
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (c *apiCounter) snapshot() (int, map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]int, len(c.byPath))
	for k, v := range c.byPath {
		m[k] = v
	}
	return c.total, m
}

type testKey struct {
	signer gossh.Signer
	line   []byte // authorized_keys line
	fp     string
}

func newTestKey(t testing.TB, comment string) testKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	line := bytes.TrimSpace(gossh.MarshalAuthorizedKey(s.PublicKey()))
	line = append(line, []byte(" "+comment+"\n")...)
	return testKey{signer: s, line: line, fp: gossh.FingerprintSHA256(s.PublicKey())}
}

// testAPI is a reference server on 127.0.0.1 with an admin and a member, each with a key.
type testAPI struct {
	srv      *server.Server
	url      string
	count    *apiCounter
	admin    testKey
	member   testKey
	adminPAT string
}

func newTestAPI(t testing.TB) *testAPI {
	t.Helper()
	ctx := context.Background()
	srv, err := server.Open(ctx, server.Config{DBPath: filepath.Join(t.TempDir(), "pm.db")})
	if err != nil {
		t.Fatal(err)
	}
	a := &testAPI{srv: srv, count: &apiCounter{byPath: map[string]int{}, fps: map[string]bool{}, auths: map[string]bool{}},
		admin: newTestKey(t, "admin@laptop"), member: newTestKey(t, "member@laptop")}
	a.adminPAT, err = srv.AddUser(ctx, server.NewUser{Email: "admin@acme.test", Role: models.RoleAdmin, Tenant: "Acme", SSHKeys: [][]byte{a.admin.line}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddUser(ctx, server.NewUser{Email: "member@acme.test", Role: models.RoleMember, Tenant: "Acme", SSHKeys: [][]byte{a.member.line}}); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(a.count.wrap(srv.Handler()))
	a.url = hs.URL
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Close(context.Background())
	})
	return a
}

// sshEnv is an SSH service in front of a testAPI.
type sshEnv struct {
	svc   *sshService
	api   *testAPI
	addr  string
	audit *syncBuffer
	opts  sshOptions
}

func newSSHEnv(t testing.TB, console consoleFactory, mutate func(*sshOptions)) *sshEnv {
	t.Helper()
	api := newTestAPI(t)
	return startTestSSH(t, api, nil, console, mutate)
}

// startTestSSH serves api over SSH; res nil means the server's own identities.
func startTestSSH(t testing.TB, api *testAPI, res identityResolver, console consoleFactory, mutate func(*sshOptions)) *sshEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	audit := &syncBuffer{}
	o := sshOptions{
		Listener:    ln,
		HostKeyPath: filepath.Join(t.TempDir(), "host_ed25519"),
		Audit:       slog.New(slog.NewJSONHandler(audit, nil)),
		newConsole:  console,
	}
	if mutate != nil {
		mutate(&o)
	}
	if res == nil {
		res = &serverIdentities{srv: api.srv, ttl: time.Minute}
	}
	svc, err := startSSHService(context.Background(), res, api.url, o)
	if err != nil {
		t.Fatal(err)
	}
	stop := svc.stop
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return &sshEnv{svc: svc, api: api, addr: ln.Addr().String(), audit: audit, opts: o}
}

func dialSSH(addr string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            "anyone",
		Auth:            auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         5 * time.Second,
	})
}

func mustDial(t testing.TB, addr string, k testKey) *gossh.Client {
	t.Helper()
	c, err := dialSSH(addr, gossh.PublicKeys(k.signer))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// termSession is an interactive session with a PTY.
type termSession struct {
	sess  *gossh.Session
	out   *syncBuffer
	stdin io.WriteCloser
}

func openTerm(t testing.TB, c *gossh.Client, w, h int, env map[string]string) *termSession {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range env {
		if err := sess.Setenv(k, v); err != nil {
			t.Fatalf("setenv %s: %v", k, err)
		}
	}
	ts := &termSession{sess: sess, out: &syncBuffer{}}
	sess.Stdout, sess.Stderr = ts.out, ts.out
	if ts.stdin, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	return ts
}

// screenText is the output without escape sequences.
func (ts *termSession) screenText() string { return ansi.Strip(ts.out.String()) }

func (ts *termSession) waitFor(t testing.TB, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(ts.screenText(), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %q; screen:\n%s", want, tail(ts.screenText(), 2000))
}

func (ts *termSession) send(t testing.TB, s string) {
	t.Helper()
	if _, err := io.WriteString(ts.stdin, s); err != nil {
		t.Fatal(err)
	}
}

// wait returns the session's exit status (-1 when it ended without one).
func (ts *termSession) wait(t testing.TB) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- ts.sess.Wait() }()
	select {
	case err := <-done:
		var ee *gossh.ExitError
		if errors.As(err, &ee) {
			return ee.ExitStatus()
		}
		if err != nil {
			return -1
		}
		return 0
	case <-time.After(10 * time.Second):
		t.Fatal("session did not end")
	}
	return -1
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// stubConsole is a tiny console for protocol tests: it shows who is signed
// in, the window size and colour profile, polls rate limits like the real
// console, copies with "c", creates a key with "n" and quits with "q".
type stubConsole struct {
	p       consoleParams
	w, h    int
	profile string
	note    string
}

type (
	stubPollMsg    struct{}
	stubCreatedMsg struct {
		id  string
		err error
	}
)

func newStubConsole(p consoleParams) (tea.Model, error) { return &stubConsole{p: p}, nil }

func (m *stubConsole) Init() tea.Cmd { return m.poll() }

func (m *stubConsole) poll() tea.Cmd {
	c, every := m.p.Client, m.p.Refresh.RateLimits
	return func() tea.Msg {
		_, _ = c.RateLimits(context.Background())
		time.Sleep(every)
		return stubPollMsg{}
	}
}

func (m *stubConsole) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		return m, tea.ClearScreen
	case tea.ColorProfileMsg:
		m.profile = msg.Profile.String()
		return m, tea.ClearScreen
	case stubPollMsg:
		return m, m.poll()
	case stubCreatedMsg:
		m.note = "created=" + msg.id
		if msg.err != nil {
			m.note = "error=" + msg.err.Error()
		}
		return m, tea.ClearScreen
	case tea.KeyPressMsg:
		switch msg.String() {
		case "q":
			return m, tea.Quit
		case "c":
			return m, tea.SetClipboard("pmdev-clip")
		case "t":
			m.note = "toggled"
			return m, tea.ClearScreen
		case "P":
			panic("stub console: panic in Update")
		case "G":
			return m, func() tea.Msg { panic("stub console: panic in a command") }
		case "n":
			c := m.p.Client
			return m, func() tea.Msg {
				k, err := c.CreateKey(context.Background(), models.CreateAPIKeyRequest{Name: "from-ssh", Permissions: []string{"send_email"}})
				return stubCreatedMsg{id: k.KeyID, err: err}
			}
		}
	}
	return m, nil
}

func (m *stubConsole) View() tea.View {
	v := tea.NewView(fmt.Sprintf("stub-console\nuser=%s\nrole=%s\nsize=%dx%d\nprofile=%s\nnocolor=%v\n%s",
		m.p.Me.Email, m.p.Me.Role, m.w, m.h, m.profile, envValue(m.p.Env, "NO_COLOR") != "", m.note))
	v.AltScreen = true
	return v
}

func fastRefresh(o *sshOptions) {
	o.Refresh = common.Refresh{RateLimits: 100 * time.Millisecond, Usage: time.Second, Keys: time.Second, Webhooks: time.Second}
}

func TestSSHAcceptedKeyRunsAsItsUserWithMintedToken(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, fastRefresh)
	ts := openTerm(t, mustDial(t, env.addr, env.api.admin), 90, 30, nil)
	ts.waitFor(t, "user=admin@acme.test")
	ts.waitFor(t, "role=admin")

	// A key created in the session carries the key's fingerprint in the server's audit.
	ts.send(t, "n")
	ts.waitFor(t, "created=")
	id := ""
	for _, line := range strings.Split(ts.screenText(), "\n") {
		if i := strings.Index(line, "created="); i >= 0 {
			id = strings.Fields(line[i+len("created="):])[0]
		}
	}
	admin := client.New(client.Options{BaseURL: env.api.url, Token: env.api.adminPAT})
	sec, err := admin.KeySecurity(context.Background(), id)
	if err != nil {
		t.Fatalf("security of %q: %v", id, err)
	}
	if len(sec.AuditEvents) == 0 || sec.AuditEvents[len(sec.AuditEvents)-1].ActorKeyFingerprint != env.api.admin.fp {
		t.Fatalf("audit events %+v do not carry fingerprint %s", sec.AuditEvents, env.api.admin.fp)
	}
	env.api.count.mu.Lock()
	sawFP, sawPAT := env.api.count.fps[env.api.admin.fp], env.api.count.auths["Bearer pm_pat_"]
	env.api.count.mu.Unlock()
	if !sawFP || !sawPAT {
		t.Fatalf("API saw fingerprint=%v minted PAT=%v", sawFP, sawPAT)
	}
	// The minted token is never written to the terminal.
	if strings.Contains(ts.out.String(), "pm_pat_") {
		t.Fatal("a token reached the terminal")
	}

	ts.send(t, "q")
	if code := ts.wait(t); code != 0 {
		t.Fatalf("exit status %d after q, want 0", code)
	}
	waitAudit(t, env.audit, "ssh.session.end")
	for _, want := range []string{`"msg":"ssh.session.start"`, `"user":"admin@acme.test"`, `"key_fingerprint":"` + env.api.admin.fp, `"remote_addr":"127.0.0.1:`, `"duration_ms":`} {
		if !strings.Contains(env.audit.String(), want) {
			t.Fatalf("audit log lacks %s:\n%s", want, env.audit.String())
		}
	}
}

func waitAudit(t testing.TB, b *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("audit log lacks %q:\n%s", want, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSSHRefusesUnknownKeyPasswordAndKeyboardInteractive(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, nil)
	stranger := newTestKey(t, "stranger")
	cases := map[string]gossh.AuthMethod{
		"unknown key": gossh.PublicKeys(stranger.signer),
		"password":    gossh.Password("hunter2"),
		"keyboard-interactive": gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			return []string{"hunter2"}, nil
		}),
	}
	for name, auth := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := dialSSH(env.addr, auth)
			if err == nil {
				c.Close()
				t.Fatal("connection accepted")
			}
			if !strings.Contains(err.Error(), "unable to authenticate") {
				t.Fatalf("error %v, want an authentication failure", err)
			}
		})
	}
	waitAudit(t, env.audit, `"reason":"unknown_key"`)
	if !strings.Contains(env.audit.String(), stranger.fp) {
		t.Fatalf("refusal not audited with the fingerprint:\n%s", env.audit.String())
	}
}

func TestSSHWithoutPTYGetsOneLineAndNonZeroExit(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, nil)
	c := mustDial(t, env.addr, env.api.admin)
	for _, tc := range []struct{ name, cmd, want string }{
		{"shell", "", "needs a terminal"},
		{"command", "keys list", "commands are not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sess, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			var out syncBuffer
			sess.Stdout, sess.Stderr = &out, &out
			if tc.cmd == "" {
				err = sess.Shell()
				if err == nil {
					err = sess.Wait()
				}
			} else {
				err = sess.Run(tc.cmd)
			}
			var ee *gossh.ExitError
			if !errors.As(err, &ee) || ee.ExitStatus() == 0 {
				t.Fatalf("err %v, want a non-zero exit status", err)
			}
			text := strings.TrimSpace(out.String())
			if !strings.Contains(text, tc.want) || strings.Count(text, "\n") > 0 {
				t.Fatalf("output %q, want one line with %q", text, tc.want)
			}
			if strings.Contains(text, "stub-console") {
				t.Fatal("console drawn without a PTY")
			}
		})
	}
	waitAudit(t, env.audit, `"reason":"no_pty"`)
	if !strings.Contains(env.audit.String(), `"user":"admin@acme.test","ssh_user":"anyone","key_fingerprint":"`+env.api.admin.fp) {
		t.Fatalf("no-PTY refusal not audited with the key's user:\n%s", env.audit.String())
	}
}

func TestMintedTokenRenewsBeforeExpiry(t *testing.T) {
	var minted []time.Duration
	m := &mintedToken{ttl: 90 * time.Millisecond, mint: func(_ context.Context, ttl time.Duration) (string, error) {
		minted = append(minted, ttl)
		return fmt.Sprintf("pm_pat_%d", len(minted)), nil
	}}
	a, _ := m.Token(context.Background())
	b, _ := m.Token(context.Background())
	if a != "pm_pat_1" || b != a || len(minted) != 1 || minted[0] != 90*time.Millisecond {
		t.Fatalf("first tokens %q %q, mints %v", a, b, minted)
	}
	time.Sleep(65 * time.Millisecond) // past two thirds of the lifetime
	if c, _ := m.Token(context.Background()); c != "pm_pat_2" {
		t.Fatalf("token not renewed: %q", c)
	}
}

func TestSSHResizeAndClientTerminal(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, nil)
	c := mustDial(t, env.addr, env.api.admin)
	ts := openTerm(t, c, 81, 25, map[string]string{"COLORTERM": "truecolor"})
	ts.waitFor(t, "size=81x25")
	ts.waitFor(t, "profile=TrueColor")
	if err := ts.sess.WindowChange(47, 123); err != nil {
		t.Fatal(err)
	}
	ts.waitFor(t, "size=123x47")

	// OSC 52 reaches the client: the copy is a terminal sequence, not server state.
	ts.send(t, "c")
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("pmdev-clip"))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(ts.out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no OSC 52 in output %q", tail(ts.out.String(), 400))
		}
		time.Sleep(10 * time.Millisecond)
	}

	nc := openTerm(t, c, 80, 24, map[string]string{"NO_COLOR": "1"})
	nc.waitFor(t, "nocolor=true")
	nc.waitFor(t, "profile=Ascii")
	plain := openTerm(t, c, 80, 24, nil)
	plain.waitFor(t, "profile=ANSI256") // TERM=xterm-256color, no COLORTERM
}

func TestSSHIdleTimeoutEndsSession(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, func(o *sshOptions) { o.IdleTimeout = 300 * time.Millisecond })
	ts := openTerm(t, mustDial(t, env.addr, env.api.admin), 80, 24, nil)
	ts.waitFor(t, "stub-console")
	start := time.Now()
	ts.wait(t)
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("session ended after %v, before the idle timeout", d)
	}
	if !strings.Contains(ts.screenText(), "without input") {
		t.Fatalf("no idle message: %q", tail(ts.screenText(), 300))
	}
	waitAudit(t, env.audit, `"reason":"idle"`)

	// A connection that never opens a session is closed too.
	bare := mustDial(t, env.addr, env.api.admin)
	closed := make(chan error, 1)
	go func() { closed <- bare.Wait() }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("a connection without sessions outlived the idle timeout")
	}
}

func TestSSHSessionLimits(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, func(o *sshOptions) { o.MaxSessions = 2; o.MaxPerUser = 1 })
	admin := mustDial(t, env.addr, env.api.admin)
	a := openTerm(t, admin, 80, 24, nil)
	a.waitFor(t, "stub-console")

	again := openTerm(t, admin, 80, 24, nil)
	if code := again.wait(t); code == 0 {
		t.Fatal("second session of the same user accepted")
	}
	if !strings.Contains(again.screenText(), "already have the maximum of 1 open") {
		t.Fatalf("per-user refusal: %q", again.screenText())
	}

	// Dialled only now: a signed-in connection holds a slot of its own.
	m := openTerm(t, mustDial(t, env.addr, env.api.member), 80, 24, nil)
	m.waitFor(t, "role=member")
	third := openTerm(t, mustDial(t, env.addr, env.api.member), 80, 24, nil)
	if code := third.wait(t); code == 0 {
		t.Fatal("session over the maximum accepted")
	}
	if !strings.Contains(third.screenText(), "maximum") {
		t.Fatalf("max-sessions refusal: %q", third.screenText())
	}
	waitAudit(t, env.audit, `"reason":"max_sessions"`)

	// A closed session frees its slot.
	a.send(t, "q")
	a.wait(t)
	again2 := openTerm(t, admin, 80, 24, nil)
	again2.waitFor(t, "user=admin@acme.test")
}

func TestSSHHostKeyCreatedPrivateAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "host")
	s1, err := loadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %04o, want 0600", fi.Mode().Perm())
	}
	if s1.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Fatalf("host key type %s", s1.PublicKey().Type())
	}
	s2, err := loadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s1.PublicKey().Marshal(), s2.PublicKey().Marshal()) {
		t.Fatal("host key changed between starts")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadOrCreateHostKey(path); err == nil || !strings.Contains(err.Error(), "readable by group or others") {
		t.Fatalf("group-readable host key: err %v", err)
	}
}

// TestSSHTwentySessionsShareOnePoller measures what reaches the API while 20
// sessions of one tenant poll rate limits every 100 ms for 2 s.
func TestSSHTwentySessionsShareOnePoller(t *testing.T) {
	const sessions = 20
	env := newSSHEnv(t, newStubConsole, func(o *sshOptions) {
		fastRefresh(o)
		o.MaxPerUser = sessions
	})
	// Two sessions per connection: sessions sharing a connection must still be independent.
	terms := openConsoles(t, env, sessions, 2, "user=admin@acme.test")
	_, before := env.api.count.snapshot()
	servedBefore := env.statsServed()
	const window = 2 * time.Second
	time.Sleep(window)
	_, after := env.api.count.snapshot()
	served := env.statsServed() - servedBefore
	upstream := after["/api/v1/platform/rate-limits"] - before["/api/v1/platform/rate-limits"]
	t.Logf("%d sessions, %v: sessions asked %d times (%.1f/s), API saw %d rate-limit requests (%.1f/s)",
		sessions, window, served, float64(served)/window.Seconds(), upstream, float64(upstream)/window.Seconds())
	if served < sessions*10 {
		t.Fatalf("sessions polled only %d times", served)
	}
	// One poller per tenant: about one request per 90 ms window, not 20.
	if upstream > 35 {
		t.Fatalf("API saw %d rate-limit requests in %v, want about %d", upstream, window, int(window/(90*time.Millisecond)))
	}
	if n := env.svc.sessionCount(); n != sessions {
		t.Fatalf("%d consoles tracked, want %d", n, sessions)
	}
	for _, ts := range terms {
		ts.send(t, "q")
	}
	for i, ts := range terms {
		if code := ts.wait(t); code != 0 {
			t.Fatalf("session %d exited %d", i, code)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for env.svc.sessionCount() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d consoles still tracked after every session quit", env.svc.sessionCount())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openConsoles opens n admin sessions, perConn per connection, and waits until each shows want.
func openConsoles(t testing.TB, env *sshEnv, n, perConn int, want string) []*termSession {
	t.Helper()
	terms := make([]*termSession, n)
	var c *gossh.Client
	for i := range terms {
		if i%perConn == 0 {
			c = mustDial(t, env.addr, env.api.admin)
		}
		terms[i] = openTerm(t, c, 100, 30, nil)
	}
	for _, ts := range terms {
		ts.waitFor(t, want)
	}
	return terms
}

func (e *sshEnv) statsServed() int64 { return e.svc.shared.Stats().Served }

// latencyProxy forwards TCP to target, delaying each direction by d.
func latencyProxy(t testing.TB, target string, d time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			go delayedCopy(out, in, d)
			go delayedCopy(in, out, d)
		}
	}()
	return ln.Addr().String()
}

func delayedCopy(dst, src net.Conn, d time.Duration) {
	type chunk struct {
		at   time.Time
		data []byte
	}
	q := make(chan chunk, 1024)
	go func() {
		defer dst.Close()
		for c := range q {
			time.Sleep(time.Until(c.at))
			if _, err := dst.Write(c.data); err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			q <- chunk{at: time.Now().Add(d), data: bytes.Clone(buf[:n])}
		}
		if err != nil {
			close(q)
			return
		}
	}
}

// TestSSHResponsiveAt200msLatency: a keystroke costs one round trip, no more.
func TestSSHResponsiveAt200msLatency(t *testing.T) {
	const latency = 200 * time.Millisecond
	env := newSSHEnv(t, newStubConsole, nil)
	addr := latencyProxy(t, env.addr, latency)
	ts := openTerm(t, mustDial(t, addr, env.api.admin), 80, 24, nil)
	ts.waitFor(t, "user=admin@acme.test")
	start := time.Now()
	ts.send(t, "t")
	ts.waitFor(t, "toggled")
	d := time.Since(start)
	t.Logf("keystroke to frame at %v one-way latency: %v", latency, d)
	if d < 2*latency {
		t.Fatalf("answered in %v, faster than the round trip: the proxy is not delaying", d)
	}
	if d > 2*latency+600*time.Millisecond {
		t.Fatalf("keystroke to frame took %v, want about one round trip (%v)", d, 2*latency)
	}
}

func TestSSHRemovedKeyAndShutdownEndSessions(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, func(o *sshOptions) { o.recheck = 50 * time.Millisecond })
	member := openTerm(t, mustDial(t, env.addr, env.api.member), 80, 24, nil)
	member.waitFor(t, "role=member")
	admin := openTerm(t, mustDial(t, env.addr, env.api.admin), 80, 24, nil)
	admin.waitFor(t, "role=admin")

	if _, err := env.api.srv.RemoveSSHKey(context.Background(), env.api.member.fp); err != nil {
		t.Fatal(err)
	}
	member.wait(t)
	if !strings.Contains(member.screenText(), "no longer registered") {
		t.Fatalf("removed key: %q", tail(member.screenText(), 300))
	}
	waitAudit(t, env.audit, `"reason":"key_removed"`)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := env.svc.stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	admin.wait(t)
	if !strings.Contains(admin.screenText(), "shutting down") {
		t.Fatalf("shutdown: %q", tail(admin.screenText(), 300))
	}
	if _, err := dialSSH(env.addr, gossh.PublicKeys(env.api.admin.signer)); err == nil {
		t.Fatal("listener still accepts after stop")
	}
}
