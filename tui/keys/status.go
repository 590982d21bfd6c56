package keys

import (
	"strconv"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// How a key's status and its countdowns read in the list and the details.

// effectiveStatus is the status the user should see: an active key past its
// expiry is expired even before the server's next sweep.
func effectiveStatus(k *models.APIKey, now time.Time) string {
	if k.Status == models.KeyActive && k.ExpiresAt != nil && !k.ExpiresAt.After(now) {
		return models.KeyExpired
	}
	return k.Status
}

// statusText is the status cell: active keys inside their last 7 days (or a
// rotation grace period) say when they stop working; a rotated key says so.
func statusText(k *models.APIKey, now time.Time) (string, string) {
	st := effectiveStatus(k, now)
	switch {
	case st == models.KeyActive && k.ReplacedBy != "" && k.ExpiresAt != nil:
		return "rotated · " + shortDur(k.ExpiresAt.Sub(now)), "grace"
	case st == models.KeyActive && k.ReplacedBy != "":
		return "rotated", "grace"
	case st == models.KeyActive && k.ExpiresAt != nil && k.ExpiresAt.Sub(now) <= 7*24*time.Hour:
		return "expires in " + shortDur(k.ExpiresAt.Sub(now)), "grace"
	}
	return st, st
}

// shortDur renders a positive duration as "23 h", "5 d" or "12 min",
// rounded to the nearest unit: a 1 h grace read a moment later is "1 h",
// not "59 min".
func shortDur(d time.Duration) string {
	n, unit := durParts(d)
	if unit == "m" {
		unit = "min"
	}
	return strconv.Itoa(n) + " " + unit
}

// compactDur is shortDur without spaces ("59m", "23h", "5d") for narrow cells.
func compactDur(d time.Duration) string {
	n, unit := durParts(d)
	return strconv.Itoa(n) + unit
}

// durParts rounds d to the nearest second, minute, hour or day. A unit is
// used once the rounded value reaches it, so 59m45s is 1 h; days start at
// 2 so "1 d" never hides a 47 h difference.
func durParts(d time.Duration) (int, string) {
	round := func(unit time.Duration) int { return int((d + unit/2) / unit) }
	switch {
	case round(time.Hour) >= 48:
		return round(24 * time.Hour), "d"
	case round(time.Minute) >= 60:
		return round(time.Hour), "h"
	case round(time.Second) >= 60:
		return round(time.Minute), "m"
	}
	return max(0, round(time.Second)), "s"
}

// statusCell is the status text that fits a list cell w wide: a grace or
// expiry countdown too long for it is shortened to "exp 59m".
func statusCell(k *models.APIKey, now time.Time, w int) (string, string) {
	text, kind := statusText(k, now)
	if kind == "grace" && common.Width(text) > w && k.ExpiresAt != nil {
		text = "exp " + compactDur(k.ExpiresAt.Sub(now))
		if k.ReplacedBy != "" {
			text = "rot " + compactDur(k.ExpiresAt.Sub(now))
		}
	}
	return text, kind
}

// keyCount is "1 key" or "1,234 keys".
func keyCount(n int) string {
	if n == 1 {
		return "1 key"
	}
	return common.Thousands(int64(n)) + " keys"
}
