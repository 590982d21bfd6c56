package common

import (
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
)

// Receive hands the feed's named events to add and its state to *state,
// and drops what another or an older feed sent.
func TestReceiveTakesOnlyItsFeed(t *testing.T) {
	f := Feed{Name: "pane.events", gen: 2, ch: make(chan tea.Msg)}
	var got []int
	state := "connecting…"
	add := func(v int) { got = append(got, v) }
	for _, msg := range []tea.Msg{
		StreamEventMsg{Feed: "pane.events", Gen: 2, Event: client.StreamEvent{Name: "n", Data: []byte("1")}},
		StreamEventMsg{Feed: "pane.events", Gen: 2, Event: client.StreamEvent{Name: "other", Data: []byte("2")}},
		StreamEventMsg{Feed: "pane.events", Gen: 1, Event: client.StreamEvent{Name: "n", Data: []byte("3")}},
		StreamEventMsg{Feed: "other.events", Gen: 2, Event: client.StreamEvent{Name: "n", Data: []byte("4")}},
		StreamStateMsg{Feed: "pane.events", Gen: 2, Err: "refused", RetryIn: 1500 * time.Millisecond},
	} {
		Receive(&f, msg, "n", add, &state)
	}
	if !slices.Equal(got, []int{1}) || state != "reconnecting in 1.5s: refused" {
		t.Fatalf("got %v, state %q", got, state)
	}
	if Receive(&f, StreamStateMsg{Feed: "pane.events", Gen: 2, Connected: true}, "n", add, &state) == nil || state != "live" {
		t.Fatalf("connected: state %q, no next command", state)
	}
}

func TestKeepLastDropsTheOldest(t *testing.T) {
	kept, dropped := KeepLast([]int{1, 2, 3, 4, 5}, 3)
	if !slices.Equal(kept, []int{3, 4, 5}) || dropped != 2 {
		t.Fatalf("KeepLast = %v, %d", kept, dropped)
	}
	if kept, dropped := KeepLast([]int{1, 2}, 3); len(kept) != 2 || dropped != 0 {
		t.Fatalf("KeepLast under the limit = %v, %d", kept, dropped)
	}
}
