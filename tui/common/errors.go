package common

import (
	"fmt"
	"net/http"
	"time"

	"github.com/penguinmails/pmdev/client"
)

// ErrorText turns an error from the client into words for the status line or
// an in-pane message. role is the signed-in user's role, for 403s, which it
// words as a refusal to manage API keys; ErrorTextFor names other actions.
func ErrorText(err error, role string) string { return ErrorTextFor(err, role, "manage API keys") }

// IsRoleError reports a 403 caused by the user's role (not by one missing
// permission of a key): retrying cannot help, only another role can.
func IsRoleError(err error) bool {
	e, ok := client.AsError(err)
	if !ok || e.Status != http.StatusForbidden {
		return false
	}
	return e.Code() == "insufficient_role" || e.Problem == nil || e.Problem.Permission == ""
}

// AccessHint says how to get a role that may do what a 403 refused.
func AccessHint(sandbox bool) string {
	if sandbox {
		return "in the sandbox, restart with --as developer (or --as admin)"
	}
	return "ask an admin of your organisation for the developer role"
}

// ErrorTextFor is ErrorText with the attempted action (e.g. "view API usage",
// "manage webhooks") named in a role refusal.
func ErrorTextFor(err error, role, action string) string {
	if err == nil {
		return ""
	}
	e, ok := client.AsError(err)
	if !ok {
		return Sanitize(err.Error())
	}
	switch e.Kind {
	case client.KindNetwork:
		return Sanitize(fmt.Sprintf("cannot reach %s (%s)", e.URL, e.Message))
	case client.KindTimeout:
		return Sanitize(fmt.Sprintf("%s did not answer in time", e.URL))
	case client.KindDecode:
		return Sanitize(e.Message)
	}
	detail := ""
	if e.Problem != nil {
		detail = e.Problem.Message
		if detail == "" {
			detail = e.Problem.Detail
		}
	}
	switch e.Status {
	case http.StatusUnauthorized:
		return TokenRejected("")
	case http.StatusForbidden:
		if e.Problem != nil && e.Problem.Permission != "" && role != "member" {
			return Sanitize(fmt.Sprintf("forbidden: %s (needs %s)", detail, e.Problem.Permission))
		}
		if role == "" {
			role = "current"
		}
		return Sanitize(fmt.Sprintf("your role (%s) cannot %s", role, action))
	case http.StatusNotFound:
		return "not found — it may have been deleted; press r to refresh"
	case http.StatusTooManyRequests:
		return fmt.Sprintf("rate limited, retrying in %s", FormatWait(e.RetryAfter))
	}
	if detail == "" {
		detail = http.StatusText(e.Status)
	}
	if e.Status >= 500 {
		return Sanitize(fmt.Sprintf("server error %d: %s — try again later", e.Status, detail))
	}
	return Sanitize(detail)
}

// TokenRejected is what a 401 means and what to do about it.
func TokenRejected(from string) string {
	return "token rejected (invalid, expired or revoked) — " + TokenHint(from)
}

// TokenHint is what to do about a rejected token: check the one given,
// named by its source when the console knows it (from is
// Context.TokenFrom). The token may have come from a flag, the environment
// or a profile, so no one of them is advised blindly.
func TokenHint(from string) string {
	if from == "" {
		return "check the token given"
	}
	return "check the token from " + Sanitize(from)
}

// FormatWait renders a Retry-After duration like "12s" or "2m5s".
func FormatWait(d time.Duration) string {
	if d <= 0 {
		return "a moment"
	}
	return d.Round(time.Second).String()
}

// Ago renders a time relative to now: "just now", "2 minutes ago", "3 days ago", "never".
func Ago(t *time.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return "never"
	}
	d := now.Sub(*t)
	if d < 0 {
		return "just now"
	}
	plural := func(n int, unit string) string {
		if n == 1 {
			return fmt.Sprintf("1 %s ago", unit)
		}
		return fmt.Sprintf("%d %ss ago", n, unit)
	}
	switch {
	case d < 45*time.Second:
		return "just now"
	case d < time.Hour:
		return plural(int(max(1, d.Round(time.Minute)/time.Minute)), "minute")
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour")
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day")
	case d < 365*24*time.Hour:
		return plural(int(d/(30*24*time.Hour)), "month")
	}
	return plural(int(d/(365*24*time.Hour)), "year")
}
