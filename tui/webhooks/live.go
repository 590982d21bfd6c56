package webhooks

import (
	"net/url"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/styles"
	"github.com/penguinmails/pmdev/tui/common"
)

// liveShown is how many of the latest events the list shows.
const liveShown = 5

// liveEvents follows the organisation's event stream while the pane is
// visible: the latest events as they are generated, subscribed or not.
type liveEvents struct {
	feed   common.Feed
	events []models.StreamedEvent // newest last, at most liveShown
	state  string
}

// follow opens the stream when the pane shows and closes it when it hides.
func (l *liveEvents) follow(cl *client.Client, visible bool) tea.Cmd {
	l.feed.Name = "webhooks.events"
	switch {
	case visible && !l.feed.Running():
		l.state = "connecting…"
		return l.feed.Start(cl, models.StreamEventsPath, url.Values{})
	case !visible && l.feed.Running():
		l.feed.Stop()
		l.state = ""
	}
	return nil
}

func (l *liveEvents) update(msg tea.Msg) tea.Cmd {
	return common.Receive(&l.feed, msg, models.StreamEventWebhook, l.add, &l.state)
}

func (l *liveEvents) add(ev models.StreamedEvent) {
	l.events, _ = common.KeepLast(append(l.events, ev), liveShown)
}

// rows is the height of the live block (nothing before the first event).
func (l *liveEvents) rows() int {
	if len(l.events) == 0 {
		return 0
	}
	return 2 + len(l.events)
}

// view is the live block: a heading and the latest events, newest first.
func (l *liveEvents) view(s *styles.Styles, width int, now time.Time) string {
	if len(l.events) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n" + s.Heading.Render("Live events") + s.Muted.Render(" · "+l.state) + "\n")
	for i := len(l.events) - 1; i >= 0; i-- {
		ev := l.events[i]
		line := "  " + ev.CreatedAt.In(now.Location()).Format("15:04:05") + "  " + common.Pad(common.Sanitize(ev.Type), 22) + " " + s.Muted.Render(common.Sanitize(ev.ID))
		b.WriteString(common.Truncate(line, width) + "\n")
	}
	return b.String()
}
