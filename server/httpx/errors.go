package httpx

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/penguinmails/pmdev/models"
)

// InternalMessage is the whole answer of a 500: details go to the log only.
const InternalMessage = "Something went wrong on our side. Please try again later."

// ProblemError is an error a service returns for the client to read; a
// handler answers it as is.
type ProblemError struct{ Problem *models.Problem }

func (e *ProblemError) Error() string { return e.Problem.Message }

// Fail wraps p as an error.
func Fail(p *models.Problem) error { return &ProblemError{p} }

// Failf is Fail(NewProblem(status, code, message)).
func Failf(status int, code, message string) error { return Fail(NewProblem(status, code, message)) }

// Invalid is the 400 validation problem of errs as an error.
func Invalid(errs ...models.FieldError) error { return Fail(ValidationProblem(errs)) }

// WriteError answers err: its problem when it carries one, else a 500 whose
// cause is logged.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var pe *ProblemError
	if errors.As(err, &pe) {
		WriteProblem(w, pe.Problem)
		return
	}
	Internal(w, r, log, err)
}

// Internal logs err and answers 500.
func Internal(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	Error(w, http.StatusInternalServerError, "internal_error", InternalMessage)
}

// FieldProblem is a 400 problem about one field.
func FieldProblem(code, field, msg string) *models.Problem {
	p := NewProblem(http.StatusBadRequest, code, msg)
	p.Errors = []models.FieldError{{Field: field, Message: msg}}
	return p
}

// Bearer is the token of r's Authorization: Bearer header, "" without one.
func Bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// Challenge sets the Bearer challenge every 401 carries.
func Challenge(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="penguinmails"`)
}

// Unauthorized answers 401 with the Bearer challenge.
func Unauthorized(w http.ResponseWriter, code, msg string) {
	Challenge(w)
	Error(w, http.StatusUnauthorized, code, msg)
}

// NotFoundError is the 404 of httpx.NotFound as an error.
func NotFoundError(what string) error {
	return Failf(http.StatusNotFound, "not_found", what+" not found")
}

// Answer writes v with status, or, when err is set, its problem (or a
// logged 500).
func Answer(w http.ResponseWriter, r *http.Request, log *slog.Logger, status int, v any, err error) {
	if err != nil {
		WriteError(w, r, log, err)
		return
	}
	WriteJSON(w, status, v)
}
