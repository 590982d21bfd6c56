package client

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/testkit"
)

// An SSE server: every connection gets the events sent on send, numbered;
// a connection with Last-Event-ID counts as a resumption.
type sseServer struct {
	*httptest.Server
	conns, resumed atomic.Int64
	mu             sync.Mutex
	subs           []chan string
}

func newSSEServer(t *testing.T) *sseServer {
	s := &sseServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.conns.Add(1)
		if r.Header.Get("Last-Event-ID") != "" {
			s.resumed.Add(1)
		}
		ch := make(chan string, 16)
		s.mu.Lock()
		s.subs = append(s.subs, ch)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case ev := <-ch:
				fmt.Fprint(w, ev)
				w.(http.Flusher).Flush()
			}
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sseServer) send(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.subs {
		ch <- fmt.Sprintf("id: %d\nevent: request\ndata: {\"n\":%d}\n\n", id, id)
	}
}

func TestSharedCacheFansOutOneStreamPerScope(t *testing.T) {
	srv := newSSEServer(t)
	cache := NewSharedCache(SharedOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type session struct {
		mu  sync.Mutex
		ids []string
	}
	follow := func(scope string) *session {
		s := &session{}
		cl := New(Options{BaseURL: srv.URL, Token: "t", Transport: cache.Scope(scope)})
		go func() {
			_ = cl.Stream(ctx, models.StreamRequestsPath, url.Values{}, StreamOptions{OnEvent: func(ev StreamEvent) {
				s.mu.Lock()
				s.ids = append(s.ids, ev.ID)
				s.mu.Unlock()
			}})
		}()
		return s
	}
	got := func(s *session) int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.ids) }
	a, b := follow("acme/admin"), follow("acme/admin")
	other := follow("globex/admin")
	testkit.WaitFor(t, 5*time.Second, "two stream connections", func() bool { return srv.conns.Load() == 2 })
	time.Sleep(50 * time.Millisecond) // both sessions of acme joined
	for i := 1; i <= 3; i++ {
		srv.send(i)
	}
	testkit.WaitFor(t, 5*time.Second, "three events on every subscriber", func() bool { return got(a) == 3 && got(b) == 3 && got(other) == 3 })
	if n := srv.conns.Load(); n != 2 {
		t.Errorf("%d upstream streams for two scopes, want 2", n)
	}
	// The upstream ends: every session resumes on its own with Last-Event-ID.
	srv.CloseClientConnections()
	testkit.WaitFor(t, 5*time.Second, "three resumed connections", func() bool { return srv.resumed.Load() == 3 })
}
