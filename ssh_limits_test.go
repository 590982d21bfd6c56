package main

import (
	"errors"
	"strings"
	"testing"
)

// The "server full" message agrees in number with the limit.
func TestSessionLimiterFullMessage(t *testing.T) {
	for _, c := range []struct {
		max  int
		want string
	}{{1, "1 session is open, the maximum"}, {2, "2 sessions are open, the maximum"}} {
		l := newSessionLimiter(c.max, c.max)
		for i := 0; i < c.max; i++ {
			if _, err := l.acquire("u" + string(rune('a'+i))); err != nil {
				t.Fatal(err)
			}
		}
		_, err := l.acquire("other")
		if !errors.Is(err, errServerFull) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("max %d: %v, want %q", c.max, err, c.want)
		}
	}
}
