package client

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// Kind classifies an Error.
type Kind int

const (
	KindHTTP Kind = iota
	KindNetwork
	KindTimeout
	KindCanceled
	KindDecode
)

// Error is every failure the client returns (besides ErrNotModified).
type Error struct {
	Kind       Kind
	Status     int
	Problem    *models.Problem
	RetryAfter time.Duration
	URL        string
	Message    string
	Err        error
}

func (e *Error) Error() string {
	switch e.Kind {
	case KindNetwork:
		return fmt.Sprintf("cannot reach %s (%s)", e.URL, e.Message)
	case KindTimeout:
		return fmt.Sprintf("%s: %s", e.URL, e.Message)
	case KindHTTP:
		if e.Problem != nil {
			msg := e.Problem.Message
			if msg == "" {
				msg = e.Problem.Detail
			}
			if msg == "" {
				msg = e.Problem.Title
			}
			return fmt.Sprintf("%d %s", e.Status, msg)
		}
		return fmt.Sprintf("HTTP %d", e.Status)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Code is the problem's machine code ("invalid_token", "already_revoked", …).
func (e *Error) Code() string {
	if e.Problem != nil {
		return e.Problem.Error
	}
	return ""
}

// FieldErrors returns server validation messages by field name.
func (e *Error) FieldErrors() map[string]string {
	out := map[string]string{}
	if e.Problem != nil {
		for _, f := range e.Problem.Errors {
			out[f.Field] = f.Message
		}
	}
	return out
}

// AsError unwraps err into *Error.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsOffline reports whether err means the API could not be reached at all.
func IsOffline(err error) bool {
	e, ok := AsError(err)
	return ok && (e.Kind == KindNetwork || e.Kind == KindTimeout)
}

// StatusOf is the HTTP status of err, or 0.
func StatusOf(err error) int {
	if e, ok := AsError(err); ok {
		return e.Status
	}
	return 0
}

func rootCause(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "no such host"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return opErr.Err.Error()
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// parseRetryAfter accepts delta-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := time.Parse(time.RFC1123, v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
