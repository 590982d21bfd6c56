package cli

import (
	"context"

	"github.com/penguinmails/pmdev/internal/sandbox"
	"github.com/penguinmails/pmdev/tui"
)

// sandboxStart is the sandbox starting in the background while the console
// shows its splash.
type sandboxStart struct {
	done     chan struct{}
	sb       *sandbox.Sandbox
	err      error
	progress chan tui.Starting // the newest step only; closed when done
}

// startSandboxAsync opens (on first run: creates and seeds) the sandbox in a
// goroutine. Cancelling ctx abandons a start still running: the seed is one
// transaction, so the next start seeds again.
func startSandboxAsync(ctx context.Context, o sandbox.Options) *sandboxStart {
	st := &sandboxStart{done: make(chan struct{}), progress: make(chan tui.Starting, 1)}
	o.Progress = func(done, total int) {
		s := tui.Starting{Text: "creating the sandbox with demo data", Done: done, Total: total}
		select { // keep only the newest step: the splash shows where it is
		case <-st.progress:
		default:
		}
		st.progress <- s
	}
	go func() {
		defer close(st.done)
		defer close(st.progress)
		st.sb, st.err = sandbox.Start(ctx, o)
	}()
	return st
}

// wait blocks until the sandbox is serving, or failed to start.
func (st *sandboxStart) wait() (*sandbox.Sandbox, error) {
	<-st.done
	return st.sb, st.err
}

// close waits for the start to end (cancel its context first to cut it
// short) and closes the sandbox if it started.
func (st *sandboxStart) close() error {
	<-st.done
	if st.sb == nil {
		return nil
	}
	return st.sb.Close()
}
