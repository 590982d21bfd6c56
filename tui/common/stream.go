package common

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
)

// StreamEventMsg is one event of a live stream a pane follows.
type StreamEventMsg struct {
	Feed  string // the feed's name (its pane and stream)
	Gen   uint64 // the connection generation that read it
	Event client.StreamEvent
}

// StreamStateMsg tells of a live stream's connection.
type StreamStateMsg struct {
	Feed      string
	Gen       uint64
	Connected bool
	Err       string
	RetryIn   time.Duration
}

// Feed follows one live stream: a goroutine, started inside a command,
// reads it (client.Stream reconnects with Last-Event-ID and backoff) and
// hands each event to the pane as a message; the pane asks for the next
// with Next after each. Stop ends it; messages of an older Start are
// recognised by Current.
type Feed struct {
	Name string
	gen  uint64
	ch   chan tea.Msg
	stop context.CancelFunc
}

// Running reports whether the feed is open.
func (f *Feed) Running() bool { return f.stop != nil }

// Start (re)opens the feed on path with q; the command delivers its first message.
func (f *Feed) Start(cl *client.Client, path string, q url.Values) tea.Cmd {
	f.Stop()
	if cl == nil {
		return nil
	}
	f.gen++
	gen, name := f.gen, f.Name
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan tea.Msg, 64)
	f.ch, f.stop = ch, cancel
	send := func(msg tea.Msg) {
		select {
		case ch <- msg:
		case <-ctx.Done():
		}
	}
	return func() tea.Msg {
		go func() {
			defer close(ch)
			_ = cl.Stream(ctx, path, q, client.StreamOptions{
				OnEvent: func(ev client.StreamEvent) { send(StreamEventMsg{Feed: name, Gen: gen, Event: ev}) },
				OnState: func(err error, wait time.Duration) {
					msg := StreamStateMsg{Feed: name, Gen: gen, Connected: err == nil, RetryIn: wait}
					if err != nil {
						msg.Err = err.Error()
					}
					send(msg)
				},
			})
		}()
		return next(ch)()
	}
}

// Current reports whether a message of feed name and generation gen is
// this feed's, now.
func (f *Feed) Current(name string, gen uint64) bool {
	return name == f.Name && gen == f.gen && f.ch != nil
}

// Receive takes a stream message of f: an event named name is decoded and
// handed to add (other events are skipped), the connection state is put
// into *state in words. It returns the command reading the next message;
// nil for a message of another or an older feed, which is dropped.
func Receive[T any](f *Feed, msg tea.Msg, name string, add func(T), state *string) tea.Cmd {
	switch msg := msg.(type) {
	case StreamEventMsg:
		if !f.Current(msg.Feed, msg.Gen) {
			return nil
		}
		var v T
		if msg.Event.Name == name && json.Unmarshal(msg.Event.Data, &v) == nil {
			add(v)
		}
	case StreamStateMsg:
		if !f.Current(msg.Feed, msg.Gen) {
			return nil
		}
		if msg.Connected {
			*state = "live"
		} else {
			*state = "reconnecting in " + msg.RetryIn.Round(100*time.Millisecond).String() + ": " + Sanitize(msg.Err)
		}
	default:
		return nil
	}
	return f.Next()
}

// KeepLast keeps the newest n of s (newest last), copying them so the
// dropped ones can be freed; dropped is how many went.
func KeepLast[T any](s []T, n int) (kept []T, dropped int) {
	if over := len(s) - n; over > 0 {
		return append(s[:0:0], s[over:]...), over
	}
	return s, 0
}

// Next is the command delivering the feed's next message.
func (f *Feed) Next() tea.Cmd {
	if f.ch == nil {
		return nil
	}
	return next(f.ch)
}

func next(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

// Stop closes the feed.
func (f *Feed) Stop() {
	if f.stop != nil {
		f.stop()
		f.stop, f.ch = nil, nil
	}
}
