package sshconsole

import (
	"net"
	"slices"
	"sync"
	"time"

	"charm.land/ssh"
)

const (
	// defaultMaxHandshakes bounds connections that have not signed in yet
	// (sshd's MaxStartups); each may take up to the handshake timeout.
	defaultMaxHandshakes = 100
	// maxChannelsPerConn bounds session channels on one connection (sshd's
	// MaxSessions), whether or not they ever start a console.
	maxChannelsPerConn = 10
	// overLimitGrace is how long a signed-in connection that found the
	// service full may stay without a session (time to open one and read why).
	overLimitGrace = 10 * time.Second
	// maxRefusalRecords bounds the refusals audited for one connection, so a
	// client retrying a forward in a loop cannot fill the disk.
	maxRefusalRecords = 100
)

type connKey struct{}

// connState follows one TCP connection from accept to close. A signed-in
// connection holds max(1, sessions) slots of the limiter, so `ssh -N` and
// port-forward attempts count against the caps like consoles do.
type connState struct {
	remote string
	nc     net.Conn

	mu        sync.Mutex
	user      string   // login name the client sent
	offered   []string // fingerprints of unknown keys offered
	tried     []string // refused methods tried: password, keyboard_interactive
	authTried bool     // any user-auth request at all
	id        *Identity
	units     []func() // limiter slots held
	overLimit error    // why no slot was free at sign-in
	sessions  int      // consoles running
	channels  int      // session channels open
	idleSince time.Time
	refusals  int
}

func connFrom(ctx ssh.Context) *connState {
	st, _ := ctx.Value(connKey{}).(*connState)
	return st
}

// noteAuth records one user-auth attempt (from the SSH layer's auth log).
func (c *connState) noteAuth(user, method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.user = user
	c.authTried = true
	reason := ""
	switch method {
	case "password":
		reason = "password"
	case "keyboard-interactive":
		reason = "keyboard_interactive"
	}
	if reason != "" && !slices.Contains(c.tried, reason) {
		c.tried = append(c.tried, reason)
	}
}

func (c *connState) noteOffered(user, fp string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.user = user
	if len(c.offered) < 8 && !slices.Contains(c.offered, fp) {
		c.offered = append(c.offered, fp)
	}
}

// signedIn takes the connection's slot; when none is free the connection is
// kept (briefly) so a session opened on it can say why.
func (c *connState) signedIn(l *sessionLimiter, id *Identity) {
	release, err := l.acquire(id.Holder)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.id = id
	c.idleSince = time.Now()
	if err != nil {
		c.overLimit = err
		return
	}
	c.units = append(c.units, release)
}

// identity is who signed in (nil before).
func (c *connState) identity() *Identity {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.id
}

// startSession takes a slot for one more console: the connection's own slot
// for the first, a new one for each further console.
func (c *connState) startSession(l *sessionLimiter, holder string) (end func(), err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sessions >= len(c.units) {
		release, err := l.acquire(holder)
		if err != nil {
			return nil, err
		}
		c.units = append(c.units, release)
		c.overLimit = nil
	}
	c.sessions++
	return releaseOnce(&c.mu, func() {
		c.sessions--
		if n := len(c.units); n > max(1, c.sessions) {
			c.units[n-1]()
			c.units = c.units[:n-1]
		}
		if c.sessions == 0 {
			c.idleSince = time.Now()
		}
	}), nil
}

// openChannel counts a session channel; false when the connection has too many.
func (c *connState) openChannel() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.channels >= maxChannelsPerConn {
		return false
	}
	c.channels++
	return true
}

func (c *connState) closeChannel() {
	c.mu.Lock()
	c.channels--
	c.mu.Unlock()
}

// countRefusal reports whether one more refusal of this connection is audited.
func (c *connState) countRefusal() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refusals++
	return c.refusals <= maxRefusalRecords
}

// idleFor says whether a signed-in connection without consoles has been
// idle past its limit (keep-alives and refused requests are not activity).
func (c *connState) idleFor(now time.Time, timeout time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.id == nil || c.sessions > 0 {
		return false
	}
	if len(c.units) == 0 {
		timeout = min(max(timeout, 0), overLimitGrace)
		if timeout == 0 {
			timeout = overLimitGrace
		}
	}
	return timeout > 0 && now.Sub(c.idleSince) >= timeout
}

// release gives back every slot (the connection closed).
func (c *connState) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.units {
		r()
	}
	c.units = nil
}

// connTable is the service's open connections by remote address.
type connTable struct {
	maxPending int

	mu sync.Mutex
	m  map[string]*connState
}

// add registers a new connection; false when too many are still signing in.
func (t *connTable) add(c *connState) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]*connState{}
	}
	pending := 0
	for _, o := range t.m {
		if o.identity() == nil {
			pending++
		}
	}
	if pending >= t.maxPending {
		return false
	}
	t.m[c.remote] = c
	return true
}

func (t *connTable) remove(remote string) *connState {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.m[remote]
	delete(t.m, remote)
	return c
}

func (t *connTable) all() []*connState {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]*connState, 0, len(t.m))
	for _, c := range t.m {
		out = append(out, c)
	}
	return out
}
