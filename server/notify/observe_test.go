package notify

import (
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/webhook/events"
)

// Observe runs on the product hot path: with the sender stuck it drops
// crossings (and counts them) instead of blocking the request, and a
// dropped crossing leaves the gate open for a later request.
func TestObserveNeverBlocks(t *testing.T) {
	n := &Notifier{cfg: Config{Wants: func(string, string) bool { return true }}, queue: make(chan crossing, 2)}
	now := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 100 {
			n.Observe(string(rune('a'+i%26))+"-key", "t", 60, 100, 0, now)
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Observe blocked on a full queue")
	}
	if len(n.queue) != 2 || n.Dropped() == 0 {
		t.Fatalf("queued %d, dropped %d", len(n.queue), n.Dropped())
	}
	for len(n.queue) > 0 {
		<-n.queue
	}
	n.Observe("z-key", "t", 60, 100, 0, now) // was dropped before: tried again
	if c := <-n.queue; c.keyID != "z-key" {
		t.Fatalf("retry of a dropped crossing: %+v", c)
	}
}

// Below 80 % spent nothing happens; a closed gate costs no queue slot.
func TestObserveThresholdsAndGates(t *testing.T) {
	wanted := true
	n := &Notifier{cfg: Config{Wants: func(string, string) bool { return wanted }}, queue: make(chan crossing, 10)}
	now := time.Now()
	n.Observe("k", "t", 60, 100, 21, now) // 79 % spent
	if len(n.queue) != 0 {
		t.Fatal("crossing below 80 %")
	}
	n.Observe("k", "t", 60, 100, 20, now) // 80 %
	n.Observe("k", "t", 60, 100, 19, now)
	n.Observe("k", "t", 60, 100, 5, now) // 95 %
	n.Observe("k", "t", 60, 100, 0, now.Add(59*time.Minute))
	if len(n.queue) != 2 {
		t.Fatalf("queued %d, want 80 and 95 once each", len(n.queue))
	}
	for _, want := range events.Thresholds {
		if c := <-n.queue; c.threshold != want {
			t.Fatalf("threshold %d, want %d", c.threshold, want)
		}
	}
	n.Observe("k", "t", 60, 100, 0, now.Add(61*time.Minute))
	if len(n.queue) != 2 {
		t.Fatalf("after an hour queued %d, want 2", len(n.queue))
	}
	wanted = false
	n.Observe("other", "t", 60, 100, 0, now)
	if len(n.queue) != 2 {
		t.Fatal("crossing queued for a tenant without an endpoint for it")
	}
}

// BenchmarkObserveGateClosed is the hot-path cost while a key's bucket
// stays low after its events were sent.
func BenchmarkObserveGateClosed(b *testing.B) {
	n := &Notifier{cfg: Config{Wants: func(string, string) bool { return true }}, queue: make(chan crossing, 10)}
	now := time.Now()
	n.Observe("k", "t", 60, 100, 0, now)
	b.ReportAllocs()
	for b.Loop() {
		n.Observe("k", "t", 60, 100, 0, now)
	}
}
