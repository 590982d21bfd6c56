package common

import (
	"time"

	"github.com/penguinmails/pmdev/models"
)

// RateLimitsMsg is broadcast by the root every time its own rate-limit poll
// (every Refresh.RateLimits, whichever pane is visible) returns new data, so
// panes show live limits without polling the endpoint again. It is not sent
// for 304s.
type RateLimitsMsg struct {
	Data models.RateLimits
	At   time.Time // when the console received it
}

// OfflineMsg is broadcast when the root's connection state changes: Offline
// true means the API cannot be reached (network error or timeout) and panes
// should keep their last data, dimmed; false means it is back.
type OfflineMsg struct {
	Offline bool
	Since   time.Time // time of the last successful response
}
