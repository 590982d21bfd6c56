package webhooks_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/internal/sandbox/sandboxtest"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/webhooks"
)

// await runs cmd (a batch is run in full) until a message of type T comes.
func await[T tea.Msg](t *testing.T, cmd tea.Cmd) T {
	t.Helper()
	ch := make(chan T, 1)
	go func() {
		for _, msg := range commontest.Collect(cmd) {
			if v, ok := msg.(T); ok {
				ch <- v
				return
			}
		}
	}()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		var zero T
		t.Fatalf("no %T within 10s", zero)
		return zero
	}
}

// The Webhooks tab follows the event stream while it shows: an event fired
// through the real pipeline appears in its live block.
func TestWebhooksTabShowsEventsArrivingLive(t *testing.T) {
	c := sandboxtest.Serve(t, sandboxtest.Options{}).Admin(t)
	ctx := commontest.Context(120, 30, c)
	ctx.Now = time.Now
	ctx.Active = common.PaneWebhooks
	m := webhooks.New(ctx)
	m.SetSize(120, 30)
	// Hidden, the pane closes its stream (before the server's cleanup, which waits for it).
	t.Cleanup(func() {
		ctx.Active = common.PaneUsage
		m.Update(common.TickMsg{Now: time.Now()})
	})

	state := await[common.StreamStateMsg](t, m.Update(common.TickMsg{Now: time.Now()}))
	if !state.Connected {
		t.Fatalf("stream not connected: %+v", state)
	}
	next := m.Update(state)
	if _, err := c.TriggerEvent(t.Context(), models.TriggerEventRequest{Type: "email.bounced"}); err != nil {
		t.Fatal(err)
	}
	ev := await[common.StreamEventMsg](t, next)
	m.Update(ev)
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "Live events") || !strings.Contains(v, "email.bounced") {
		t.Fatalf("no live event shown:\n%s", v)
	}
}
