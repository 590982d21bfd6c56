package server

import (
	"math/rand/v2"
	"net/mail"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
)

// bannedRunes are the characters httpx.BadString refuses in any string.
func bannedRunes() []rune {
	var out []rune
	for r := rune(0); r <= 0x10FFFF; r++ {
		if utf8.ValidRune(r) && httpx.BadString(string(r), false) != "" {
			out = append(out, r)
		}
	}
	return out
}

// The contract's text pattern and the server's character rule agree on
// every character.
func TestTextPatternIsTheServersRule(t *testing.T) {
	re := regexp.MustCompile(models.TextPattern)
	for r := rune(0); r <= 0x10FFFF; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		s := "a" + string(r) + "b"
		if got, want := re.MatchString(s), httpx.BadString(s, false) == ""; got != want {
			t.Errorf("U+%04X: pattern %v, server %v", r, got, want)
		}
	}
	if n := len(bannedRunes()); n != 29+33+1+2+5+4 { // C0 but tab/LF/CR, DEL and C1, ALM, LRM/RLM, embeddings and overrides, isolates
		t.Errorf("%d banned characters; the rule changed, update TextPattern", n)
	}
}

// requestStrings walks every string schema a client sends: query
// parameters and JSON request bodies (items, map values and keys included).
func requestStrings(doc *openapi3.T, visit func(where string, s *openapi3.Schema, schemaName string)) {
	var walk func(where, name string, ref *openapi3.SchemaRef)
	walk = func(where, name string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil {
			return
		}
		if i := strings.LastIndex(ref.Ref, "/"); i >= 0 {
			name = ref.Ref[i+1:]
		}
		s := ref.Value
		if s.Type != nil && s.Type.Includes("string") {
			visit(where, s, name)
		}
		for p, sub := range s.Properties {
			walk(where+"."+p, name, sub)
		}
		walk(where+"[]", name, s.Items)
		walk(where+"{}", name, s.AdditionalProperties.Schema)
		if s.PropertyNames != nil {
			visit(where+"{key}", s.PropertyNames.Value, name)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				if p.Value.In == "query" {
					walk(method+" "+path+" ?"+p.Value.Name, "", p.Value.Schema)
				}
			}
			if op.RequestBody != nil {
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil {
					walk(method+" "+path+" body", "", mt.Schema)
				}
			}
		}
	}
}

// canMatch reports whether re can consume rune r anywhere.
func canMatch(re *syntax.Regexp, r rune) bool {
	switch re.Op {
	case syntax.OpLiteral:
		return slices.Contains(re.Rune, r)
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i] <= r && r <= re.Rune[i+1] {
				return true
			}
		}
		return false
	case syntax.OpAnyChar:
		return true
	case syntax.OpAnyCharNotNL:
		return r != '\n'
	}
	return slices.ContainsFunc(re.Sub, func(s *syntax.Regexp) bool { return canMatch(s, r) })
}

// Every string a client sends is bound to the server's character rule by
// the contract: an enum, a date-time or uuid format, or a pattern that can
// never match a banned character.
func TestEveryRequestStringStatesTheCharacterRule(t *testing.T) {
	banned := bannedRunes()
	checked := 0
	var missing []string
	requestStrings(loadContract(t), func(where string, s *openapi3.Schema, _ string) {
		if len(s.Enum) > 0 || s.Const != nil || s.Format == "date-time" || s.Format == "uuid" {
			return
		}
		checked++
		ok := s.Pattern != ""
		if ok {
			re, err := syntax.Parse(s.Pattern, syntax.Perl)
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			for _, r := range banned {
				if canMatch(re, r) {
					ok = false
					t.Errorf("%s: pattern lets U+%04X through", where, r)
					break
				}
			}
		}
		if !ok {
			missing = append(missing, where)
		}
	})
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s: no pattern states the control/bidi character ban", m)
	}
	if checked < 15 {
		t.Fatalf("only %d request strings found", checked)
	}
}

// The contract's e-mail, IP and text patterns are the ones the server
// checks, field by field.
func TestContractPatternsAreTheModels(t *testing.T) {
	want := map[string]string{
		"POST /api/v1/emails/send body.to":                         models.EmailPattern,
		"POST /api/v1/emails/send body.from":                       models.EmailPattern,
		"POST /api/v1/contacts body.email":                         models.EmailPattern,
		"POST /api/v1/platform/api-keys body.allowed_ips[]":        models.IPPattern,
		"PATCH /api/v1/platform/api-keys/{id} body.allowed_ips[]":  models.IPPattern,
		"POST /api/v1/platform/api-keys body.description":          models.TextPattern,
		"POST /api/v1/emails/send body.variables{key}":             models.TextPattern,
		"POST /api/v1/contacts body.attributes{}":                  models.TextPattern,
		"GET /api/v1/platform/api-keys ?q":                         models.TextPattern,
		"POST /api/v1/emails/send body.tags[]":                     models.TextPattern,
		"PATCH /api/v1/platform/api-keys/{id} body.description":    models.TextPattern,
		"POST /api/v1/emails/send body.subject":                    models.TextPattern,
		"POST /api/v1/contacts body.attributes{key}":               models.TextPattern,
		"POST /api/v1/emails/send body.variables{}":                models.TextPattern,
		"GET /api/v1/tenant/analytics/api-usage/errors ?cursor":    "^[A-Za-z0-9_-]+$",
		"POST /api/v1/platform/webhooks body.url":                  models.TextPattern,
		"POST /api/v1/platform/webhooks body.description":          models.TextPattern,
		"PATCH /api/v1/platform/webhooks/{id} body.url":            models.TextPattern,
		"PATCH /api/v1/platform/webhooks/{id} body.description":    models.TextPattern,
		"POST /api/v1/platform/webhooks/{id}/test body.event_type": models.TextPattern,
	}
	seen := map[string]bool{}
	requestStrings(loadContract(t), func(where string, s *openapi3.Schema, _ string) {
		if p, ok := want[where]; ok {
			seen[where] = true
			if s.Pattern != p {
				t.Errorf("%s: pattern %.60q…, want %.60q…", where, s.Pattern, p)
			}
		}
	})
	for where := range want {
		if !seen[where] {
			t.Errorf("%s: not found in the contract", where)
		}
	}
}

// Every string the contract's IP and e-mail patterns describe is one the
// server accepts (the generator draws from the patterns themselves), and
// net/netip and net/mail, the parsers behind the rule, agree.
func TestPatternStringsAreAccepted(t *testing.T) {
	g := &schemaGen{rnd: rand.New(rand.NewPCG(7, 7))}
	for range 20000 {
		ip := g.fromPattern(models.IPPattern)
		if _, fe := models.CheckAllowedIPs([]string{ip}); fe != nil {
			t.Fatalf("%q matches IPPattern but the server refuses it: %s", ip, fe.Message)
		}
		email := g.fromPattern(models.EmailPattern)
		if len(email) > models.EmailMaxLen {
			continue
		}
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email || !models.ValidEmail(email) {
			t.Fatalf("%q matches EmailPattern: net/mail %v, ValidEmail %v", email, err, models.ValidEmail(email))
		}
	}
}
