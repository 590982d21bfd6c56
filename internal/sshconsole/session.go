package sshconsole

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// sessionState travels down the middleware chain with the session. (The
// ssh.Context is per connection, and one connection may carry several sessions.)
type sessionState struct {
	id        string
	sshUser   string // the login name the client gave (ignored, audited)
	started   time.Time
	identity  *Identity
	me        models.Me
	client    *client.Client
	lastInput atomic.Int64           // unix nanoseconds of the last byte from the client
	endReason atomic.Pointer[string] // why the server ended it; nil when the user quit
	logged    atomic.Bool            // the start record is written
	// unconfirmed: the session ended while a secret shown once (a new key)
	// was on screen, never confirmed saved; the audit says so.
	unconfirmed atomic.Bool
	key         gossh.PublicKey
}

// end asks the console to quit for reason (the first reason wins).
func (st *sessionState) end(p *tea.Program, reason string) {
	if st.endReason.CompareAndSwap(nil, &reason) && p != nil {
		p.Quit()
	}
}

type stateSession struct {
	ssh.Session
	st *sessionState
}

func stateOf(sess ssh.Session) *sessionState {
	if ss, ok := sess.(*stateSession); ok {
		return ss.st
	}
	return nil
}

const panicMessage = "pmdev: the console stopped after an internal error (logged on the server); please reconnect."

// recoverMiddleware ends a session whose middleware or console panics, with
// a message and an audit record, instead of the process. (Panics inside the
// console's Update, View and commands are caught by Bubble Tea and reported
// by consoleMiddleware.)
func (s *Service) recoverMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st := &sessionState{id: newSessionID(), sshUser: sess.User(), started: time.Now()}
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			remote := sess.RemoteAddr().String()
			s.log.Error("ssh session panic", "session", st.id, "remote", remote, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			if st.logged.Load() {
				s.audit.end(st, remote, time.Since(st.started), "panic")
			} else {
				user, fp := "", ""
				if st.identity != nil {
					user, fp = st.identity.Name, st.identity.Fingerprint
				}
				s.audit.refused(user, sess.User(), fp, remote, "panic")
			}
			wish.Fatalln(sess, panicMessage)
		}()
		next(&stateSession{Session: sess, st: st})
	}
}

// consoleMiddleware runs the session's console until it quits, forwarding
// window changes (clamped by the request filter, which keeps them from the
// SSH layer).
func (s *Service) consoleMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st := stateOf(sess)
		ctx, cancel := context.WithCancel(sess.Context())
		defer cancel()
		p, started := s.program(ctx, sess)
		if p == nil || st == nil {
			next(sess)
			return
		}
		winch := s.windowsOf(sess, st.id)
		go func() {
			defer func() {
				if r := recover(); r != nil {
					s.log.Error("ssh window changes panic", "session", st.id, "panic", fmt.Sprint(r))
					st.end(p, "panic")
				}
			}()
			// Changes go after the program's own first size, or it would
			// overwrite them.
			select {
			case <-started:
			case <-ctx.Done():
				return
			}
			for {
				select {
				case <-ctx.Done():
					p.Quit() // the connection is gone
					return
				case w, ok := <-winch:
					if !ok {
						winch = nil
						continue
					}
					p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
				}
			}
		}()
		final, err := p.Run()
		p.Kill() // restores the client's terminal if the console did not
		if g, ok := final.(common.QuitGuard); ok && g.GuardsQuit() {
			st.unconfirmed.Store(true)
		}
		if errors.Is(err, tea.ErrProgramPanic) {
			s.log.Error("ssh console panic", "session", st.id)
			st.end(nil, "panic")
		}
		next(sess)
	}
}

// program builds the console for one session.
// Its watcher stops with ctx; started closes once the console has its
// first window size.
func (s *Service) program(ctx context.Context, sess ssh.Session) (p *tea.Program, started <-chan struct{}) {
	st := stateOf(sess)
	if st == nil || st.client == nil {
		return nil, nil
	}
	model, err := s.opts.newConsole(ConsoleParams{
		Client:  st.client,
		Me:      st.me,
		APIURL:  s.shownURL,
		Env:     sessionEnv(sess),
		Logger:  s.log.With("session", st.id),
		Assets:  s.opts.Assets,
		Refresh: s.opts.Refresh,
	})
	if err != nil {
		s.log.Error("ssh console", "err", err)
		wish.Errorln(sess, "pmdev: cannot start the console.")
		return nil, nil
	}
	sized := make(chan struct{})
	var once sync.Once
	opts := append(bubbletea.MakeOptions(sess),
		// Input through a tap so the idle timer counts keystrokes, not redraws.
		tea.WithInput(&activityReader{r: sess, last: &st.lastInput}),
		// Process signals belong to the server, not to one session.
		tea.WithoutSignalHandler(),
		// Replaces MakeOptions' filter, keeping what it does (no suspend
		// over SSH), and notes the first window size.
		tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			switch msg.(type) {
			case tea.SuspendMsg:
				return tea.ResumeMsg{}
			case tea.WindowSizeMsg:
				once.Do(func() { close(sized) })
			}
			return msg
		}),
	)
	p = tea.NewProgram(model, opts...)
	s.track(st, p)
	st.key = sess.PublicKey()
	go s.watch(ctx, st, p)
	return p, sized
}

// sessionEnv is the client's environment plus TERM from its PTY request.
func sessionEnv(sess ssh.Session) []string {
	env := sess.Environ()
	if pty, _, ok := sess.Pty(); ok && pty.Term != "" {
		env = append(env, "TERM="+pty.Term)
	}
	return env
}

func (s *Service) track(st *sessionState, p *tea.Program) {
	s.mu.Lock()
	s.programs[st.id] = running{st: st, p: p}
	s.mu.Unlock()
}

func (s *Service) untrack(id string) {
	s.mu.Lock()
	delete(s.programs, id)
	s.mu.Unlock()
}

// sessionCount is the number of running consoles.
func (s *Service) sessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.programs)
}

// watch ends the console once no input arrived for IdleTimeout, or once its
// key is no longer registered (removed keys lose their open sessions too).
func (s *Service) watch(ctx context.Context, st *sessionState, p *tea.Program) {
	every := s.opts.recheck
	if s.opts.IdleTimeout > 0 {
		every = min(every, max(s.opts.IdleTimeout/10, 10*time.Millisecond))
	}
	t := time.NewTicker(every)
	defer t.Stop()
	lastCheck := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if s.opts.IdleTimeout > 0 && now.Sub(time.Unix(0, st.lastInput.Load())) >= s.opts.IdleTimeout {
				st.end(p, "idle")
				return
			}
			if now.Sub(lastCheck) < s.opts.recheck {
				continue
			}
			lastCheck = now
			if _, err := s.resolver.Resolve(ctx, st.key); errors.Is(err, ErrUnknownKey) {
				st.end(p, "key_removed")
				return
			}
		}
	}
}

// activityReader records when the client last sent anything.
type activityReader struct {
	r    io.Reader
	last *atomic.Int64
}

func (a *activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.last.Store(time.Now().UnixNano())
	}
	return n, err
}
