// Package httpx holds the HTTP plumbing shared by the server and its
// sub-packages: RFC 9457 problems, strict JSON decoding, ETags and the
// authenticated principal.
package httpx

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/penguinmails/pmdev/models"
)

// ErrorTypeBase prefixes every problem type URI.
const ErrorTypeBase = "https://docs.penguinmails.com/errors/"

// NewProblem builds a problem with type, title and detail filled from code and message.
func NewProblem(status int, code, message string) *models.Problem {
	return &models.Problem{
		Type:    ErrorTypeBase + code,
		Title:   http.StatusText(status),
		Status:  status,
		Detail:  message,
		Error:   code,
		Message: message,
	}
}

// WriteProblem sends p as application/problem+json.
func WriteProblem(w http.ResponseWriter, p *models.Problem) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// Error is a shortcut for WriteProblem(w, NewProblem(...)).
func Error(w http.ResponseWriter, status int, code, message string) {
	WriteProblem(w, NewProblem(status, code, message))
}

// Forbidden answers 403 naming the missing permission.
func Forbidden(w http.ResponseWriter, permission, message string) {
	p := NewProblem(http.StatusForbidden, "insufficient_permissions", message)
	p.Permission = permission
	WriteProblem(w, p)
}

// NotFound answers 404; used for other tenants' objects too so their existence does not leak.
func NotFound(w http.ResponseWriter, what string) {
	Error(w, http.StatusNotFound, "not_found", what+" not found")
}

// ValidationProblem is the 400 of per-field errors; the first one is the message.
func ValidationProblem(errs []models.FieldError) *models.Problem {
	msg := "Validation failed"
	if len(errs) > 0 {
		msg = errs[0].Message
	}
	p := NewProblem(http.StatusBadRequest, "validation_error", msg)
	p.Errors = errs
	return p
}

// Validation answers 400 with per-field errors.
func Validation(w http.ResponseWriter, errs []models.FieldError) {
	WriteProblem(w, ValidationProblem(errs))
}

// WriteJSON sends v as JSON with the given status.
// A json.RawMessage is written as is (pre-encoded hot responses, newline included).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header()["Content-Type"] = []string{"application/json"}
	w.WriteHeader(status)
	if raw, ok := v.(json.RawMessage); ok {
		_, _ = w.Write(raw)
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}
