package common

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// How keys, deliveries and errors read, the same in the console and on the
// command line.

// EffectiveKeyStatus is the status the user should see: an active key past
// its expiry is expired even before the server's next sweep.
func EffectiveKeyStatus(k *models.APIKey, now time.Time) string {
	if k.Status == models.KeyActive && k.ExpiresAt != nil && !k.ExpiresAt.After(now) {
		return models.KeyExpired
	}
	return k.Status
}

// KeyStatusText is the status cell and its style kind: active keys inside
// their last 7 days (or a rotation grace period) say when they stop
// working; a rotated key says so.
func KeyStatusText(k *models.APIKey, now time.Time) (text, kind string) {
	st := EffectiveKeyStatus(k, now)
	switch {
	case st == models.KeyActive && k.ReplacedBy != "" && k.ExpiresAt != nil:
		return "rotated · " + Countdown(k.ExpiresAt.Sub(now)), "grace"
	case st == models.KeyActive && k.ReplacedBy != "":
		return "rotated", "grace"
	case st == models.KeyActive && k.ExpiresAt != nil && k.ExpiresAt.Sub(now) <= 7*24*time.Hour:
		return "expires in " + Countdown(k.ExpiresAt.Sub(now)), "grace"
	}
	return st, st
}

// ShortDur renders a positive duration as "23 h", "5 d" or "12 min",
// rounded to the nearest unit: a 1 h grace read a moment later is "1 h",
// not "59 min".
func ShortDur(d time.Duration) string {
	n, unit := durParts(d)
	if unit == "m" {
		unit = "min"
	}
	return strconv.Itoa(n) + " " + unit
}

// Countdown is ShortDur for the time left before something stops working:
// whole days round down, so "2 d" may hold 71 h but "3 d" never holds 61 h.
func Countdown(d time.Duration) string {
	if d >= 48*time.Hour {
		return strconv.Itoa(int(d/(24*time.Hour))) + " d"
	}
	return ShortDur(d)
}

// CompactDur is ShortDur without spaces ("59m", "23h", "5d") for narrow cells.
func CompactDur(d time.Duration) string {
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

// DeliveryWord marks a webhook delivery's state with a symbol too, so it
// reads without colour.
func DeliveryWord(st string) string {
	switch st {
	case models.DeliverySuccess:
		return "✓ success"
	case models.DeliveryFailed:
		return "✗ failed"
	case models.DeliveryPendingRetry:
		return "↻ retrying"
	}
	return "… pending"
}

// ErrorsCSVHeader is the first record of an errors export.
var ErrorsCSVHeader = []string{"time", "endpoint", "status", "error_code", "message", "key_id", "key_name"}

// WriteErrorsCSV writes errors as RFC 4180 CSV (CRLF, quoted where needed).
// Escape sequences are stripped so `cat` on the file is safe; newlines in
// messages are kept, quoted.
func WriteErrorsCSV(w io.Writer, errs []models.RecentError) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(ErrorsCSVHeader); err != nil {
		return err
	}
	for _, e := range errs {
		rec := []string{
			e.Time.UTC().Format(time.RFC3339),
			SanitizeMultiline(e.Endpoint),
			strconv.Itoa(e.Status),
			SanitizeMultiline(e.ErrorCode),
			SanitizeMultiline(e.Message),
			SanitizeMultiline(e.KeyID),
			SanitizeMultiline(e.KeyName),
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
