package sshconsole

import (
	"errors"
	"fmt"
	"sync"
)

var (
	errServerFull = errors.New("server full")
	errUserFull   = errors.New("too many sessions")
)

// sessionLimiter caps concurrent sessions overall and per user.
type sessionLimiter struct {
	max, perUser int

	mu     sync.Mutex
	total  int
	byUser map[string]int
}

func newSessionLimiter(max, perUser int) *sessionLimiter {
	return &sessionLimiter{max: max, perUser: perUser, byUser: map[string]int{}}
}

// acquire takes a slot for user; release gives it back (once).
func (l *sessionLimiter) acquire(user string) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total >= l.max {
		if l.max == 1 {
			return nil, fmt.Errorf("%w: 1 session is open, the maximum; try again later", errServerFull)
		}
		return nil, fmt.Errorf("%w: %d sessions are open, the maximum; try again later", errServerFull, l.max)
	}
	if l.byUser[user] >= l.perUser {
		return nil, fmt.Errorf("%w: you already have the maximum of %d open; close one first", errUserFull, l.perUser)
	}
	l.total++
	l.byUser[user]++
	return releaseOnce(&l.mu, func() {
		l.total--
		if l.byUser[user]--; l.byUser[user] <= 0 {
			delete(l.byUser, user)
		}
	}), nil
}

// releaseOnce gives a slot back under mu the first time it is called and
// never again, however often its holder lets go.
func releaseOnce(mu *sync.Mutex, release func()) func() {
	return sync.OnceFunc(func() {
		mu.Lock()
		defer mu.Unlock()
		release()
	})
}

func limitReason(err error) string {
	switch {
	case errors.Is(err, errServerFull):
		return "max_sessions"
	case errors.Is(err, errUserFull):
		return "max_sessions_per_user"
	}
	return "limit"
}
