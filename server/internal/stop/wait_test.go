package stop

import (
	"context"
	"testing"
	"time"
)

// Done in time, done only after the abort, never done: each is told apart,
// and abort runs once in every case.
func TestWaitTellsInTimeFromAbortedFromStuck(t *testing.T) {
	for _, tc := range []struct {
		name             string
		closeAt          string // "before", "on-abort", "never"
		inTime, finished bool
	}{
		{"finishes before the deadline", "before", true, true},
		{"finishes once aborted", "on-abort", false, true},
		{"stuck past the grace", "never", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan struct{})
			if tc.closeAt == "before" {
				close(done)
			}
			aborts := 0
			abort := func() {
				aborts++
				if tc.closeAt == "on-abort" {
					close(done)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			start := time.Now()
			inTime, finished := Wait(ctx, done, abort, 50*time.Millisecond)
			if inTime != tc.inTime || finished != tc.finished || aborts != 1 {
				t.Fatalf("got inTime %v finished %v aborts %d", inTime, finished, aborts)
			}
			if tc.closeAt == "never" && time.Since(start) < 60*time.Millisecond {
				t.Errorf("returned after %s: the grace was not waited", time.Since(start))
			}
		})
	}
}
