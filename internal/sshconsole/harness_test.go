package sshconsole

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/penguinmails/pmdev/internal/sandbox/sandboxtest"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
	"github.com/penguinmails/pmdev/server/testkit"
)

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
		if fp := r.Header.Get(ActorFingerprintHeader); fp != "" {
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

// testAPI is a reference server on 127.0.0.1 with an admin and a member, each with a key.
type testAPI struct {
	srv      *server.Server
	url      string
	count    *apiCounter
	admin    testkit.SSHKey
	member   testkit.SSHKey
	adminPAT string
}

func newTestAPI(t testing.TB) *testAPI {
	t.Helper()
	count := &apiCounter{byPath: map[string]int{}, fps: map[string]bool{}, auths: map[string]bool{}}
	env := sandboxtest.Serve(t, sandboxtest.Options{Wrap: count.wrap})
	a := &testAPI{srv: env.Server, url: env.URL, count: count, admin: testkit.NewSSHKey(t, "admin@laptop"), member: testkit.NewSSHKey(t, "member@laptop")}
	a.adminPAT = env.AddUser(t, server.NewUser{Email: "admin@acme.test", Role: models.RoleAdmin, Tenant: "Acme", SSHKeys: [][]byte{a.admin.Line}})
	env.AddUser(t, server.NewUser{Email: "member@acme.test", Role: models.RoleMember, Tenant: "Acme", SSHKeys: [][]byte{a.member.Line}})
	return a
}

// sshEnv is an SSH service in front of a testAPI.
type sshEnv struct {
	svc   *Service
	api   *testAPI
	addr  string
	audit *testkit.Buffer
	opts  Options
}

func newSSHEnv(t testing.TB, console ConsoleFactory, mutate func(*Options)) *sshEnv {
	t.Helper()
	api := newTestAPI(t)
	return startTestSSH(t, api, nil, console, mutate)
}

// startTestSSH serves api over SSH; res nil means the server's own identities.
func startTestSSH(t testing.TB, api *testAPI, res Resolver, console ConsoleFactory, mutate func(*Options)) *sshEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	audit := &testkit.Buffer{}
	o := Options{
		Listener:    ln,
		HostKeyPath: filepath.Join(t.TempDir(), "host_ed25519"),
		Audit:       slog.New(slog.NewJSONHandler(audit, nil)),
		newConsole:  console,
	}
	if mutate != nil {
		mutate(&o)
	}
	if res == nil {
		res = DirectoryResolver(testDirectory{api.srv}, time.Minute)
	}
	svc, err := Start(context.Background(), res, api.url, o)
	if err != nil {
		t.Fatal(err)
	}
	stop := svc.Stop
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

func mustDial(t testing.TB, addr string, k testkit.SSHKey) *gossh.Client {
	t.Helper()
	c, err := dialSSH(addr, gossh.PublicKeys(k.Signer))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// termSession is an interactive session with a PTY.
type termSession struct {
	sess  *gossh.Session
	out   *testkit.Buffer
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
	ts := &termSession{sess: sess, out: &testkit.Buffer{}}
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

// press sends keys and waits until the screen shows want.
func (ts *termSession) press(t testing.TB, keys, want string) {
	t.Helper()
	ts.send(t, keys)
	ts.waitFor(t, want)
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

// refused waits for a session the service turns away: it must end with a
// failure and the screen must say why.
func (ts *termSession) refused(t testing.TB, why string) {
	t.Helper()
	if code := ts.wait(t); code == 0 {
		t.Fatalf("session accepted (exit 0); want a refusal saying %q", why)
	}
	if !strings.Contains(ts.screenText(), why) {
		t.Fatalf("refusal does not say %q: %q", why, tail(ts.screenText(), 300))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func waitAudit(t testing.TB, b *testkit.Buffer, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("audit log lacks %q:\n%s", want, b.String())
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

// term dials the service with key k and opens a w×h terminal session.
func (e *sshEnv) term(t testing.TB, k testkit.SSHKey, w, h int) *termSession {
	t.Helper()
	return openTerm(t, mustDial(t, e.addr, k), w, h, nil)
}

// testDirectory is the reference server as a Directory (internal/cli has the
// real adapter; this package must not import server outside tests).
type testDirectory struct{ srv *server.Server }

func (d testDirectory) UserBySSHKey(ctx context.Context, fp string) (models.Me, error) {
	me, err := d.srv.UserBySSHKey(ctx, fp)
	if errors.Is(err, server.ErrSSHKeyNotFound) {
		return me, ErrUnknownKey
	}
	return me, err
}

func (d testDirectory) MintToken(ctx context.Context, email string, ttl time.Duration) (string, error) {
	return d.srv.MintToken(ctx, email, ttl)
}

func (d testDirectory) TouchSSHKey(ctx context.Context, fp string) error {
	return d.srv.TouchSSHKey(ctx, fp)
}
