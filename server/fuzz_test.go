package server

import (
	"bytes"
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
}

func decodeSeeds(f *testing.F) {
	for _, s := range []string{
		`{"name":"Prod","permissions":["send_email"]}`, `{"name":"a\u0000"}`, `{"name":"\u202e"}`, "{\"name\":\"\xff\"}",
		`{"permissions":[1]}`, `{"grace_period_hours":-1}`, `{"expires_at":"nope"}`, `{"to":"a@b.c","variables":{"k\u0001":"v"}}`,
		`[]`, `null`, `{}`, `{"a":1}`, `{"name":"x"} {}`, `{"allowed_ips":["10.0.0.0/8"]}`,
	} {
		f.Add([]byte(s))
	}
}

func FuzzDecodeCreateKey(f *testing.F) {
	decodeSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) { checkDecode(t, b, &models.CreateAPIKeyRequest{}) })
}

func FuzzDecodeUpdateKey(f *testing.F) {
	decodeSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) { checkDecode(t, b, &models.UpdateAPIKeyRequest{}) })
}

func FuzzDecodeRegenerate(f *testing.F) {
	decodeSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) { checkDecode(t, b, &models.RegenerateRequest{}) })
}

func FuzzDecodeSendEmail(f *testing.F) {
	decodeSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) { checkDecode(t, b, &models.SendEmailRequest{}) })
}

func FuzzDecodeContact(f *testing.F) {
	decodeSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) { checkDecode(t, b, &models.ContactRequest{}) })
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
