package sshconsole

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// Defaults of the SSH service.
const (
	DefaultIdleTimeout = 30 * time.Minute
	DefaultMaxSessions = 100
	DefaultMaxPerUser  = 5
	defaultTokenTTL    = 15 * time.Minute
	handshakeTimeout   = 30 * time.Second
)

// Options configure the console served over SSH, by `pmdev server
// --ssh-addr` and by `pmdev ssh-gateway`.
type Options struct {
	Addr        string         // listen address, e.g. 127.0.0.1:2222
	Listener    net.Listener   // used instead of Addr when set (tests)
	HostKeyPath string         // ed25519 host key, generated 0600 on first start (required; see HostKeyIn)
	IdleTimeout time.Duration  // no keystroke for this long ends a session (default 30m, negative: never)
	MaxSessions int            // concurrent sessions of the whole service (default 100)
	MaxPerUser  int            // concurrent sessions of one user or profile (default 5)
	TokenTTL    time.Duration  // lifetime of a minted session credential (default 15m; renewed before expiry)
	Refresh     common.Refresh // the sessions' polling schedule; also how long shared answers are reused
	AuditLog    string         // JSON-lines session audit file (default ssh-audit.log next to the host key)
	Audit       *slog.Logger   // replaces AuditLog (tests)
	Logger      *slog.Logger   // operational messages; never secrets
	Assets      fs.FS          // the embedded api/ dir (offline docs)
	// PublicURL is the API's origin as the remote users reach it, shown in
	// code examples and the status bar (default: the URL the service calls).
	PublicURL string

	// APITransport reaches the API (tests count requests through it).
	APITransport http.RoundTripper
	// newConsole builds each session's model (tests replace the console).
	newConsole ConsoleFactory
	// recheck is how often a session's key is checked again (default 30s).
	recheck time.Duration
	// maxHandshakes bounds connections still signing in (default 100).
	maxHandshakes int
}

func (o *Options) setDefaults() {
	o.IdleTimeout = cmp.Or(o.IdleTimeout, DefaultIdleTimeout)
	// Zero or below takes the default (max clamps, cmp.Or picks).
	o.MaxSessions = cmp.Or(max(o.MaxSessions, 0), DefaultMaxSessions)
	o.MaxPerUser = cmp.Or(max(o.MaxPerUser, 0), DefaultMaxPerUser)
	o.TokenTTL = cmp.Or(max(o.TokenTTL, 0), defaultTokenTTL)
	if o.Refresh == (common.Refresh{}) {
		o.Refresh = common.DefaultRefresh()
	}
	if o.AuditLog == "" {
		o.AuditLog = filepath.Join(filepath.Dir(o.HostKeyPath), "ssh-audit.log")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.APITransport == nil {
		o.APITransport = http.DefaultTransport
	}
	if o.newConsole == nil {
		o.newConsole = newSSHConsole
	}
	if o.recheck <= 0 {
		o.recheck = 30 * time.Second
	}
	o.maxHandshakes = cmp.Or(max(o.maxHandshakes, 0), defaultMaxHandshakes)
}

// Identity is who a public key signs in as.
type Identity struct {
	Name        string // user email (server) or profile (gateway), for the audit log
	Holder      string // whom the per-user cap counts: the user (server) or the key (gateway)
	Fingerprint string // SHA256:… of the key
	Token       client.TokenSource
	Me          *models.Me // known up front by the server; the gateway asks the API
	// Opened, when set, is told that the key opened a session.
	Opened func(ctx context.Context) error
}

// ErrUnknownKey means no user or profile owns the key.
var ErrUnknownKey = errors.New("public key not registered")

// Resolver maps a verified public key to an identity.
type Resolver interface {
	Resolve(ctx context.Context, key gossh.PublicKey) (*Identity, error)
}

// HostKeyIn is the default host key file in a data directory.
func HostKeyIn(dir string) string { return filepath.Join(dir, "ssh_host_ed25519_key") }

// Service is one SSH listener serving console sessions.
type Service struct {
	opts     Options
	resolver Resolver
	apiURL   string
	shownURL string // what sessions show as the API (Options.PublicURL)
	shared   *client.SharedCache
	limits   *sessionLimiter
	audit    *auditLog
	log      *slog.Logger
	srv      *ssh.Server

	conns     connTable
	stopSweep context.CancelFunc
	windows   sync.Map // session id -> *windowStream, until its console takes it

	mu       sync.Mutex
	programs map[string]running
}

type running struct {
	st *sessionState
	p  *tea.Program
}

// Start serves the console over SSH: res says who each key is, apiBaseURL
// is the origin of the API the consoles talk to (over HTTP). Stop ends it.
func Start(ctx context.Context, res Resolver, apiBaseURL string, opts Options) (*Service, error) {
	opts.setDefaults()
	if opts.HostKeyPath == "" {
		return nil, errors.New("ssh: no host key file given")
	}
	signer, err := LoadOrCreateHostKey(opts.HostKeyPath)
	if err != nil {
		return nil, err
	}
	audit, err := openAudit(opts.AuditLog, opts.Audit)
	if err != nil {
		return nil, err
	}
	s := &Service{
		opts:     opts,
		resolver: res,
		apiURL:   strings.TrimRight(apiBaseURL, "/"),
		shownURL: strings.TrimRight(cmp.Or(opts.PublicURL, apiBaseURL), "/"),
		shared: client.NewSharedCache(client.SharedOptions{Base: opts.APITransport, TTL: sharedTTLs(opts.Refresh),
			// Scopes are tenant and role; who-am-I answers differ per user.
			Private: []string{"/api/v1/me"}}),
		limits:   newSessionLimiter(opts.MaxSessions, opts.MaxPerUser),
		audit:    audit,
		log:      opts.Logger,
		programs: map[string]running{},
		conns:    connTable{maxPending: opts.maxHandshakes},
	}
	s.srv, err = wish.NewServer(
		wish.WithAddress(opts.Addr),
		wish.WithVersion("pmdev"),
		// Only public keys: no password or keyboard-interactive handler is
		// installed, so the SSH layer refuses those methods (and the auth
		// log audits the attempts).
		wish.WithPublicKeyAuth(s.authorize),
		func(srv *ssh.Server) error {
			srv.AddHostKey(signer)
			srv.HandshakeTimeout = handshakeTimeout
			// No transport-level idle timeout: keep-alives would reset it.
			// Sessions end on keystroke idleness (watch), connections
			// without a session in closeIdleConns.
			srv.ServerConfigCallback = s.serverConfig
			srv.ConnCallback = s.connOpened
			srv.ConnectionFailedCallback = s.connectionFailed
			srv.ConnectionCloseCallback = s.connClosed
			srv.ChannelHandlers = s.channelHandlers()
			srv.RequestHandlers = s.requestHandlers()
			return nil
		},
		// The session's middleware chain, outermost first (wish runs the
		// last listed first, hence the reversal):
		wish.WithMiddleware(reversed(
			s.recoverMiddleware,  // a panic ends this session (message, audit), never the process
			s.terminalMiddleware, // no commands, a PTY required (refusals audited)
			s.sessionMiddleware,  // identity, limits, API client, start/end audit records
			s.consoleMiddleware,  // the console itself, with window changes and idle/key watch
		)...),
	)
	if err != nil {
		audit.Close()
		return nil, fmt.Errorf("ssh: %w", err)
	}
	ln := opts.Listener
	if ln == nil {
		var lc net.ListenConfig
		ln, err = lc.Listen(ctx, "tcp", opts.Addr)
		if err != nil {
			audit.Close()
			return nil, fmt.Errorf("ssh listen %s: %w", opts.Addr, err)
		}
	}
	s.log.Info("ssh console listening", "addr", ln.Addr().String(), "host_key", gossh.FingerprintSHA256(signer.PublicKey()))
	sweepCtx, stopSweep := context.WithCancel(context.WithoutCancel(ctx))
	s.stopSweep = stopSweep
	go s.closeIdleConns(sweepCtx)
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, ssh.ErrServerClosed) {
			s.log.Error("ssh serve", "err", err)
		}
	}()
	return s, nil
}

// sharedTTLs reuses an answer for a little less than its source's interval,
// so N sessions cost about one poll per source and tenant.
func sharedTTLs(r common.Refresh) map[string]time.Duration {
	window := func(d time.Duration) time.Duration {
		if d <= 0 {
			return time.Second
		}
		return d * 9 / 10
	}
	return map[string]time.Duration{
		"/api/v1/platform/rate-limits":       window(r.RateLimits),
		"/api/v1/tenant/analytics/api-usage": window(r.Usage),
		"/api/v1/platform/api-keys":          window(r.Keys),
		"/api/v1/platform/api-keys/":         time.Second, // one key's details and security: on demand
		"/api/v1/platform/webhooks":          window(r.Webhooks),
		"/api/v1/platform/webhooks/":         time.Second,
		"/api/v1/docs":                       time.Minute,
	}
}

// Stop ends every session (their terminals are restored and told why), then
// closes the listener and the connections.
func (s *Service) Stop(ctx context.Context) error {
	s.stopSweep()
	// Shutdown closes the listener at once, then waits for clients to hang up.
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.srv.Shutdown(sctx) }()
	s.mu.Lock()
	open := make([]running, 0, len(s.programs))
	for _, r := range s.programs {
		open = append(open, r)
	}
	s.mu.Unlock()
	for _, r := range open {
		r.st.end(r.p, "shutdown")
	}
	for s.sessionCount() > 0 && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Second):
		cancel()
		err = <-done
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		// Clients that keep an idle connection open are cut off.
		err = s.srv.Close()
	}
	if errors.Is(err, ssh.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, s.audit.Close())
}

// authorize runs during the handshake: unknown keys are refused before any
// session (or UI) exists. The session resolves the key again, because the
// SSH layer may ask about keys the client never proves it holds.
func (s *Service) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	_, err := s.resolver.Resolve(ctx, key)
	if err == nil {
		return true
	}
	fp := gossh.FingerprintSHA256(key)
	if errors.Is(err, ErrUnknownKey) {
		// Clients offer every key they have; only a handshake that fails
		// altogether is a refusal, audited in connectionFailed.
		if st := connFrom(ctx); st != nil {
			st.noteOffered(ctx.User(), fp)
		}
	} else {
		s.log.Error("ssh key lookup", "fingerprint", fp, "err", err)
	}
	return false
}

// terminalMiddleware refuses what the console cannot serve, with one line.
func (s *Service) terminalMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		refuse := func(reason string) {
			user, fp := "", ""
			if id, err := s.resolver.Resolve(sess.Context(), sess.PublicKey()); err == nil {
				user, fp = id.Name, id.Fingerprint
			}
			s.audit.refused(user, sess.User(), fp, sess.RemoteAddr().String(), reason)
		}
		if cmd := sess.Command(); len(cmd) > 0 || sess.RawCommand() != "" {
			refuse(commandReason(cmd))
			wish.Fatalln(sess, "pmdev: commands are not supported; run ssh without a command to open the console.")
			return
		}
		if _, _, ok := sess.Pty(); !ok {
			refuse("no_pty")
			wish.Fatalln(sess, "pmdev: the console needs a terminal; connect with `ssh -t` from an interactive shell.")
			return
		}
		next(sess)
	}
}

// sessionMiddleware resolves the identity, applies the limits, prepares the
// API client and writes the start and end audit records.
func (s *Service) sessionMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st, conn := stateOf(sess), connFrom(sess.Context())
		remote := sess.RemoteAddr().String()
		id, err := s.resolver.Resolve(sess.Context(), sess.PublicKey())
		if err != nil || st == nil || conn == nil {
			s.audit.refused("", sess.User(), "", remote, "unknown_key")
			wish.Fatalln(sess, "pmdev: this key is not registered.")
			return
		}
		st.identity = id
		release, err := conn.startSession(s.limits, id.Holder)
		if err != nil {
			s.audit.refused(id.Name, sess.User(), id.Fingerprint, remote, limitReason(err))
			wish.Fatalln(sess, "pmdev: "+err.Error())
			return
		}
		defer release()
		if err := s.prepare(sess.Context(), st); err != nil {
			s.audit.refused(id.Name, sess.User(), id.Fingerprint, remote, "api")
			wish.Fatalln(sess, "pmdev: "+err.Error())
			return
		}
		st.lastInput.Store(time.Now().UnixNano())
		if id.Opened != nil {
			if err := id.Opened(sess.Context()); err != nil {
				s.log.Warn("ssh key last use", "err", err)
			}
		}
		pty, _, _ := sess.Pty()
		s.audit.start(st, remote, pty)
		st.logged.Store(true)
		// Untracked last, so stop waits for the goodbye line below.
		defer s.untrack(st.id)
		next(sess)
		reason := "closed"
		if r := st.endReason.Load(); r != nil {
			reason = *r
		}
		s.audit.end(st, remote, time.Since(st.started), reason)
		switch reason {
		case "idle":
			wish.Println(sess, fmt.Sprintf("pmdev: session closed after %s without input.", s.opts.IdleTimeout))
		case "key_removed":
			wish.Println(sess, "pmdev: session closed: this key is no longer registered.")
		case "shutdown":
			wish.Println(sess, "pmdev: the server is shutting down.")
		case "panic":
			wish.Fatalln(sess, panicMessage)
		}
	}
}

// prepare builds the session's API client: the credential is injected by
// the transport (never shown, never in the console's state), GETs go
// through the tenant's shared cache, and every request names the key.
func (s *Service) prepare(ctx context.Context, st *sessionState) error {
	id := st.identity
	headers := map[string]string{ActorFingerprintHeader: id.Fingerprint}
	var me models.Me
	if id.Me != nil {
		me = *id.Me
	} else {
		boot := client.New(client.Options{BaseURL: s.apiURL, UserAgent: "pmdev-ssh", RetryCount: -1,
			Transport: &client.AuthTransport{Base: s.opts.APITransport, Token: id.Token, Headers: headers}})
		mctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		got, err := boot.Me(mctx)
		if err != nil {
			s.log.Warn("ssh identity lookup", "profile", id.Name, "err", shortAPIError(err))
			if e, ok := client.AsError(err); ok && e.Status > 0 {
				return fmt.Errorf("the API refused the credential of profile %q (HTTP %d); ask the operator", id.Name, e.Status)
			}
			return errors.New("cannot reach the API right now; try again later")
		}
		me = got
	}
	scope := me.Tenant.ID + "|" + me.Role
	st.me = me
	st.client = client.New(client.Options{BaseURL: s.apiURL, UserAgent: "pmdev-ssh", Logger: s.log,
		Transport: &client.AuthTransport{Base: s.shared.Scope(scope), Token: id.Token, Headers: headers}})
	return nil
}

func shortAPIError(err error) string {
	if e, ok := client.AsError(err); ok && e.Status > 0 {
		return fmt.Sprintf("HTTP %d", e.Status)
	}
	if errors.Is(err, client.ErrNoToken) {
		return "no token"
	}
	return "API unreachable"
}

// reversed lists middleware outermost first, as wish wants it last.
func reversed(mw ...wish.Middleware) []wish.Middleware {
	slices.Reverse(mw)
	return mw
}

func newSessionID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ActorFingerprintHeader names the SSH key behind an API request, so the
// API's audit records of changes made over SSH carry it. (The reference
// server's name for it; a test in internal/cli checks they agree.)
const ActorFingerprintHeader = "X-PM-Actor-Fingerprint"
