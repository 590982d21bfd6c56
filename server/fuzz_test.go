package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
)

// checkDecode asserts the decoder's contract: a 4xx problem, or a value whose
// strings are all clean.
func checkDecode(t *testing.T, body []byte, dst any) {
	defer func() {
		if t.Failed() { // the messages below do not say which type
			t.Logf("decoding into %T", dst)
		}
	}()
	p := httpx.DecodeBytes(body, dst)
	if p != nil {
		if p.Status < 400 || p.Status > 499 || p.Error == "" || p.Message == "" {
			t.Fatalf("bad problem %+v for %q", p, body)
		}
		if strings.Contains(p.Message, "json:") || strings.Contains(p.Message, "models.") {
			t.Fatalf("internal detail leaked: %q", p.Message)
		}
		return
	}
	if fe := httpx.CheckStrings(reflect.ValueOf(dst), "", false); fe != nil {
		t.Fatalf("accepted unclean string %+v in %q", fe, body)
	}
	checkStrictObject(t, body, reflect.TypeOf(dst).Elem())
}

// checkStrictObject asserts what an accepted body's top level must be, by
// other means than the decoder's: one object whose keys are exact JSON
// field names of typ, each once, null only for pointer fields.
func checkStrictObject(t *testing.T, body []byte, typ reflect.Type) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		t.Fatalf("accepted a body that is not one object: %q", body)
	}
	fields := map[string]reflect.Type{}
	for _, f := range jsonFields(typ) {
		fields[f.name] = f.typ
	}
	for k, v := range top {
		ft, ok := fields[k]
		if !ok {
			t.Fatalf("accepted key %q, not an exact field name, in %q", k, body)
		}
		if string(bytes.TrimSpace(v)) == "null" && ft.Kind() != reflect.Pointer {
			t.Fatalf("accepted null for non-nullable %q in %q", k, body)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	keys, depth := 0, 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		default:
			if _, isKey := tok.(string); isKey && depth == 1 && dec.More() {
				keys++
				var skip json.RawMessage
				if dec.Decode(&skip) != nil {
					t.Fatalf("re-read %q", body)
				}
			}
		}
	}
	if keys != len(top) {
		t.Fatalf("accepted %d keys of which %d distinct in %q", keys, len(top), body)
	}
}

func decodeSeeds(f *testing.F) {
	for _, s := range []string{
		`{"name":"Prod","permissions":["send_email"]}`, `{"name":"a\u0000"}`, `{"name":"\u202e"}`, "{\"name\":\"\xff\"}",
		`{"permissions":[1]}`, `{"grace_period_hours":-1}`, `{"expires_at":"nope"}`, `{"to":"a@b.c","variables":{"k\u0001":"v"}}`,
		`[]`, `null`, `{}`, `{"a":1}`, `{"name":"x"} {}`, `{"allowed_ips":["10.0.0.0/8"]}`,
		`{"Name":"x"}`, `{"name":"a","name":"b"}`, `{"permissions":null}`, `{"rate_limit":0}`, `{"expires_at":null}`,
		`{"email":"a@b.c","attributes":{"a":"1","a":"2"}}`, `{"to":"a@b.c","variables":{"k":null}}`, `{"TO":"a@b.c"}`,
	} {
		f.Add([]byte(s))
	}
}

// FuzzDecodeRequests decodes each input into every request type, so each
// type gets every input (CI gives a target a fixed number of calls).
func FuzzDecodeRequests(f *testing.F) {
	decodeSeeds(f)
	reqs := []any{
		models.CreateAPIKeyRequest{}, models.UpdateAPIKeyRequest{}, models.RegenerateRequest{},
		models.SendEmailRequest{}, models.ContactRequest{},
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, r := range reqs {
			checkDecode(t, b, reflect.New(reflect.TypeOf(r)).Interface())
		}
	})
}

// FuzzCreateKeyHandler drives the whole create route: never a 5xx, always a
// problem document on errors.
func FuzzCreateKeyHandler(f *testing.F) {
	decodeSeeds(f)
	e := newEnv(f, "")
	tok := e.addUser("admin@f.test", models.RoleAdmin, "F", "")
	h := e.s.Handler()
	f.Fuzz(func(t *testing.T, b []byte) {
		req := httptest.NewRequest("POST", "/api/v1/platform/api-keys", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case rec.Code >= 500:
			t.Fatalf("status %d for %q: %s", rec.Code, b, rec.Body)
		case rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json":
			t.Fatalf("status %d without problem type", rec.Code)
		case rec.Code != http.StatusCreated && rec.Code < 400:
			t.Fatalf("unexpected status %d", rec.Code)
		}
	})
}
