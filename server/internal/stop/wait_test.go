package stop

import (
	"context"
	"testing"
	"time"
)

// wait runs Wait with a 20 ms deadline and a 50 ms grace; finish says when
// the work ends: "before" the call, "on-abort", or "never".
func wait(finish string) (inTime, finished bool, aborts int, took time.Duration) {
	done := make(chan struct{})
	if finish == "before" {
		close(done)
	}
	abort := func() {
		aborts++
		if finish == "on-abort" {
			close(done)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	inTime, finished = Wait(ctx, done, abort, 50*time.Millisecond)
	return inTime, finished, aborts, time.Since(start)
}

// Done in time, done only once aborted, never done: each is told apart,
// and abort runs once in every case.
func TestWaitTellsInTimeFromAbortedFromStuck(t *testing.T) {
	want := map[string][2]bool{"before": {true, true}, "on-abort": {false, true}, "never": {false, false}}
	for finish, w := range want {
		inTime, finished, aborts, took := wait(finish)
		if inTime != w[0] || finished != w[1] || aborts != 1 {
			t.Errorf("%s: inTime %v finished %v aborts %d, want %v %v 1", finish, inTime, finished, aborts, w[0], w[1])
		}
		if finish == "never" && took < 60*time.Millisecond {
			t.Errorf("never: returned after %s, before the grace ran out", took)
		}
	}
}
