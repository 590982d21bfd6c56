package httpx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"

	"github.com/penguinmails/pmdev/models"
)

// encoding/json matches keys case-insensitively, keeps the last of
// duplicate keys and turns null into "unchanged" for any type. checkShape
// walks the tokens of a body json.Decoder already accepted, next to the
// type it was decoded into, and refuses those three: a key must be a
// field's exact name, appear once, and be null only where the Go type is a
// pointer (the contract's nullable fields).
func checkShape(body []byte, t reflect.Type) *models.Problem {
	w := shapeWalker{dec: json.NewDecoder(bytes.NewReader(body))}
	w.dec.UseNumber()
	return w.value(t, "")
}

type shapeWalker struct{ dec *json.Decoder }

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func (w shapeWalker) value(t reflect.Type, path string) *models.Problem {
	tok, err := w.dec.Token()
	if err != nil {
		return nil // json.Decoder accepted the body: cannot happen
	}
	if tok == nil {
		switch {
		case t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface:
			return nil
		case path == "":
			return NewProblem(http.StatusBadRequest, "malformed_json", "Request body must be a JSON object")
		}
		return FieldProblem("invalid_type", path, fmt.Sprintf("Field %q must not be null", path))
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	d, isDelim := tok.(json.Delim)
	if !isDelim {
		return nil
	}
	if t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType) {
		return w.skip(d)
	}
	switch {
	case d == '{' && t.Kind() == reflect.Struct:
		return w.object(path, func(key string) (reflect.Type, string, *models.Problem) {
			fields := structFields(t)
			if ft, ok := fields[key]; ok {
				return ft, join(path, key), nil
			}
			for name := range fields {
				if strings.EqualFold(name, key) {
					f := join(path, key)
					return nil, "", FieldProblem("unknown_field", f, fmt.Sprintf("Unknown field %q (names are case-sensitive: did you mean %q?)", f, join(path, name)))
				}
			}
			f := join(path, key)
			return nil, "", FieldProblem("unknown_field", f, fmt.Sprintf("Unknown field %q", f))
		})
	case d == '{' && t.Kind() == reflect.Map:
		return w.object(path, func(key string) (reflect.Type, string, *models.Problem) {
			return t.Elem(), join(path, key), nil
		})
	case d == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		for i := 0; w.dec.More(); i++ {
			if p := w.value(t.Elem(), fmt.Sprintf("%s[%d]", path, i)); p != nil {
				return p
			}
		}
		_, _ = w.dec.Token()
		return nil
	}
	return w.skip(d)
}

// object walks the members of an object whose '{' was read; field maps a
// key to its value's type and path, or to the problem with the key.
func (w shapeWalker) object(path string, field func(key string) (reflect.Type, string, *models.Problem)) *models.Problem {
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return nil
		}
		key, _ := tok.(string)
		if seen[key] {
			f := join(path, key)
			return FieldProblem("duplicate_field", f, fmt.Sprintf("Field %q appears more than once", f))
		}
		seen[key] = true
		ft, sub, p := field(key)
		if p != nil {
			return p
		}
		if p := w.value(ft, sub); p != nil {
			return p
		}
	}
	_, _ = w.dec.Token()
	return nil
}

// skip consumes the rest of a value that opened with d.
func (w shapeWalker) skip(d json.Delim) *models.Problem {
	for depth := 1; depth > 0; {
		tok, err := w.dec.Token()
		if err != nil {
			return nil
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// structFields maps the JSON names of t's fields (embedded structs
// flattened, as encoding/json does) to their types.
func structFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k, v := range structFields(f.Type) {
				m[k] = v
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}

// Query reads the query parameters names of r. A parameter given with an
// empty value (?status=) or more than once, and a query that is not valid
// URL encoding, is a 400 invalid_parameter: an empty value is not "absent".
// Parameters not in names are left alone.
func Query(r *http.Request, names ...string) (url.Values, *models.Problem) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return q, FieldProblem("invalid_parameter", "query", "The query string is not valid URL encoding")
	}
	for _, n := range names {
		switch v, ok := q[n]; {
		case !ok:
		case len(v) > 1:
			return q, FieldProblem("invalid_parameter", n, fmt.Sprintf("Parameter %q is given more than once", n))
		case v[0] == "":
			return q, FieldProblem("invalid_parameter", n, fmt.Sprintf("Parameter %q is empty; leave it out to use the default", n))
		}
	}
	return q, nil
}
