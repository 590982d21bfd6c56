package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/penguinmails/pmdev/models"
)

// MaxBodyBytes caps every JSON request body.
const MaxBodyBytes = 1 << 20

// DecodeJSON reads r's body strictly into dst (a pointer to a struct): JSON
// content type without content coding, at most 1 MiB, one object whose keys
// are dst's exact field names, each once, null only for nullable fields,
// valid UTF-8 and no control or bidi characters in any string. It returns a
// 4xx problem or nil. An empty body is allowed only when allowEmpty is set
// (dst stays zero).
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any, allowEmpty bool) *models.Problem {
	if p := checkContentEncoding(r.Header); p != nil {
		return p
	}
	if w != nil {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	} else {
		r.Body = io.NopCloser(io.LimitReader(r.Body, MaxBodyBytes+1))
	}
	body, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || len(body) > MaxBodyBytes {
		return NewProblem(http.StatusRequestEntityTooLarge, "payload_too_large", "Request body must be at most 1 MiB")
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return NewProblem(http.StatusRequestTimeout, "request_timeout", "The request body did not arrive in time; send it in one go")
	}
	if err != nil {
		return NewProblem(http.StatusBadRequest, "invalid_request", "Could not read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if allowEmpty {
			return nil
		}
		return NewProblem(http.StatusBadRequest, "invalid_request", "Request body is required")
	}
	ct := r.Header.Get("Content-Type")
	mt, _, perr := mime.ParseMediaType(ct)
	if ct == "" || perr != nil || mt != "application/json" {
		return NewProblem(http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json")
	}
	return DecodeBytes(body, dst)
}

// ReadJSON is DecodeJSON that writes the problem itself; false means answered.
func ReadJSON(w http.ResponseWriter, r *http.Request, dst any, allowEmpty bool) bool {
	if p := DecodeJSON(w, r, dst, allowEmpty); p != nil {
		WriteProblem(w, p)
		return false
	}
	return true
}

// DecodeBytes is the body-level half of DecodeJSON (and the fuzz target's entry).
func DecodeBytes(body []byte, dst any) *models.Problem {
	badUTF8 := !utf8.Valid(body)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonProblem(err, reflect.TypeOf(dst))
	}
	if _, err := dec.Token(); err != io.EOF {
		return NewProblem(http.StatusBadRequest, "malformed_json", "Request body must contain a single JSON object")
	}
	if p := checkShape(body, reflect.TypeOf(dst).Elem()); p != nil {
		return p
	}
	if fe := CheckStrings(reflect.ValueOf(dst), "", badUTF8); fe != nil {
		p := NewProblem(http.StatusBadRequest, "invalid_characters", fe.Message)
		p.Errors = []models.FieldError{*fe}
		return p
	}
	if badUTF8 {
		return NewProblem(http.StatusBadRequest, "invalid_characters", "Request body is not valid UTF-8")
	}
	return nil
}

// checkContentEncoding refuses a coded body (gzip and the like): the server
// reads bodies as sent, so a compressed one would only fail as bad JSON.
func checkContentEncoding(h http.Header) *models.Problem {
	for _, v := range h.Values("Content-Encoding") {
		for _, c := range strings.Split(v, ",") {
			if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "identity") {
				return NewProblem(http.StatusUnsupportedMediaType, "unsupported_media_type",
					fmt.Sprintf("Content-Encoding %q is not supported; send the body uncompressed", c))
			}
		}
	}
	return nil
}

func jsonProblem(err error, dst reflect.Type) *models.Problem {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return NewProblem(http.StatusBadRequest, "malformed_json", "Request body is not valid JSON")
	case errors.As(err, &te):
		field := jsonFieldPath(dst, te.Field)
		if field == "" {
			return NewProblem(http.StatusBadRequest, "malformed_json", "Request body must be a JSON object")
		}
		msg := fmt.Sprintf("Field %q must be %s", field, jsonKind(te.Type))
		p := NewProblem(http.StatusBadRequest, "invalid_type", msg)
		p.Errors = []models.FieldError{{Field: field, Message: msg}}
		return p
	}
	if s := err.Error(); strings.HasPrefix(s, "json: unknown field ") {
		field, _ := strconv.Unquote(strings.TrimPrefix(s, "json: unknown field "))
		msg := fmt.Sprintf("Unknown field %q", field)
		p := NewProblem(http.StatusBadRequest, "unknown_field", msg)
		p.Errors = []models.FieldError{{Field: field, Message: msg}}
		return p
	}
	// Remaining decode errors come from typed values such as timestamps.
	return NewProblem(http.StatusBadRequest, "invalid_value", "A field has an invalid value (timestamps use RFC 3339, e.g. 2025-01-02T15:04:05Z)")
}

// jsonFieldPath drops from encoding/json's path the Go names of embedded
// structs ("Email.to" since Go 1.24): they are not in the JSON, whose
// field is "to".
func jsonFieldPath(t reflect.Type, path string) string {
	if path == "" {
		return ""
	}
	var out []string
	for _, seg := range strings.Split(path, ".") {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() == reflect.Struct {
			if f, ok := t.FieldByName(seg); ok && f.Anonymous {
				if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == "" {
					t = f.Type
					continue
				}
			}
			if ft, ok := structFields(t)[seg]; ok {
				t = ft
			}
		}
		out = append(out, seg)
	}
	return strings.Join(out, ".")
}

func jsonKind(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		if t.String() == "time.Time" {
			return "an RFC 3339 timestamp"
		}
		return "an object"
	}
	return "of another type"
}

// CheckStrings walks v and reports the first string (or map key) holding a
// control character, a bidi override, or (when badUTF8) a replacement rune.
func CheckStrings(v reflect.Value, path string, badUTF8 bool) *models.FieldError {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return CheckStrings(v.Elem(), path, badUTF8)
	case reflect.String:
		if msg := BadString(v.String(), badUTF8); msg != "" {
			name := path
			if name == "" {
				name = "body"
			}
			return &models.FieldError{Field: name, Message: fmt.Sprintf("Field %q %s", name, msg)}
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			sub := path
			if !f.Anonymous || name != "" {
				if name == "" {
					name = f.Name
				}
				sub = join(path, name)
			}
			if fe := CheckStrings(v.Field(i), sub, badUTF8); fe != nil {
				return fe
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if fe := CheckStrings(v.Index(i), fmt.Sprintf("%s[%d]", path, i), badUTF8); fe != nil {
				return fe
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			k := it.Key()
			if k.Kind() == reflect.String {
				if msg := BadString(k.String(), badUTF8); msg != "" {
					return &models.FieldError{Field: path, Message: fmt.Sprintf("A key of field %q %s", path, msg)}
				}
				if fe := CheckStrings(it.Value(), join(path, k.String()), badUTF8); fe != nil {
					return fe
				}
			}
		}
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// BadString returns why s is unacceptable ("" when fine). Tab, CR and LF are allowed.
func BadString(s string, badUTF8 bool) string {
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			return "contains a control character"
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c:
			return "contains a bidirectional control character"
		case r == utf8.RuneError && badUTF8:
			return "is not valid UTF-8"
		}
	}
	return ""
}

// Body adapts a handler of a JSON request body: the body is read strictly
// into a T first (see DecodeJSON) and a bad one answered with its problem.
func Body[T any](allowEmpty bool, h func(w http.ResponseWriter, r *http.Request, req T)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req T
		if ReadJSON(w, r, &req, allowEmpty) {
			h(w, r, req)
		}
	}
}
