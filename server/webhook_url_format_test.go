package server

import (
	"context"
	"errors"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/penguinmails/pmdev/server/webhook"
)

// rfc3986URI is the "uri" format as Stoplight Prism checks it (ajv-formats
// 2.1, full mode: J. M. Reid's RFC 3986 expression, case-insensitive).
// kin-openapi leaves "uri" unchecked; registering it here makes every
// contract check of this package (harness, property test) read format: uri
// as the second validator does.
var rfc3986URI = regexp.MustCompile(`(?i)` + `^(?:[a-z][a-z0-9+\-.]*:)(?:\/?\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:]|%[0-9a-f]{2})*@)?(?:\[(?:(?:(?:(?:[0-9a-f]{1,4}:){6}|::(?:[0-9a-f]{1,4}:){5}|(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){4}|(?:(?:[0-9a-f]{1,4}:){0,1}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){3}|(?:(?:[0-9a-f]{1,4}:){0,2}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){2}|(?:(?:[0-9a-f]{1,4}:){0,3}[0-9a-f]{1,4})?::[0-9a-f]{1,4}:|(?:(?:[0-9a-f]{1,4}:){0,4}[0-9a-f]{1,4})?::)(?:[0-9a-f]{1,4}:[0-9a-f]{1,4}|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?))|(?:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})?::[0-9a-f]{1,4}|(?:(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})?::)|[Vv][0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+)\]|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)|(?:[a-z0-9\-._~!$&'()*+,;=]|%[0-9a-f]{2})*)(?::\d*)?(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*|\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)?|(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)(?:\?(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?(?:#(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?$`)

func isURI(s string) bool { return strings.ContainsAny(s, "/:") && rfc3986URI.MatchString(s) }

func init() {
	openapi3.DefineStringFormatValidator("uri", openapi3.NewCallbackValidator(func(s string) error {
		if !isURI(s) {
			return errors.New("not an RFC 3986 URI")
		}
		return nil
	}))
}

// Every endpoint URL the server accepts is a URI by Prism's reading of the
// contract, as sent and as stored, so the server is no less strict than
// format: uri; and URIs of the documented shape are accepted.
func TestWebhookURLsTheServerAcceptsAreURIs(t *testing.T) {
	ctx := context.Background()
	check := func(raw string) bool {
		ok := false
		for _, private := range []bool{false, true} {
			u, err := webhook.ValidateURL(ctx, raw, private, nil)
			if err != nil {
				continue
			}
			ok = true
			if !isURI(raw) {
				t.Errorf("%q (private %v) accepted but is no URI", raw, private)
			}
			if !isURI(u.String()) {
				t.Errorf("%q stored as %q, no URI", raw, u)
			}
		}
		return ok
	}
	for _, raw := range []string{
		"https://example.com/hook", "https://api.example.com:8443/a/b;c=d?x=1&y=%2F~", "https://[2606:4700::1111]/h",
		"https://xn--bcher-kva.example/h", "https://example.com/p@th:x!$&'()*+,=", "http://127.0.0.1:9/hook",
		"https://EXAMPLE.com./h?", "https://0x5d.0xb8.0xd8.0x22/x", "https://example.com:/x",
	} {
		if !check(raw) {
			t.Errorf("%q refused", raw)
		}
	}
	// Random URLs from an alphabet of what URIs allow and what they do not.
	rnd := rand.New(rand.NewPCG(3, 986))
	host := []string{"example.com", "EXAMPLE.com", "127.0.0.1", "[::1]", "[2606:4700::1]", "bücher.example", "１２７.０.０.１",
		"0x7f.1", "exa mple.com", "a_b.example", "ex%41mple.com", "[v1.x]", "example.com:8443", "example.com:0", "u@example.com"}
	alphabet := []rune("abzAZ09-._~:/?#[]@!$&'()*+,;=% \"<>\\^`{|}éü日\u00a0\u200b")
	accepted := 0
	for range 20000 {
		var b strings.Builder
		b.WriteString([]string{"https://", "http://", "HTTPS://", "ftp://", "https:", "https:///"}[rnd.IntN(6)])
		b.WriteString(host[rnd.IntN(len(host))])
		b.WriteString([]string{"/", "/", "/", "?", ""}[rnd.IntN(5)])
		for range rnd.IntN(12) {
			switch rnd.IntN(6) {
			case 0, 1:
				b.WriteByte("abcxyz0189-._~"[rnd.IntN(14)]) // unreserved, most of a real URL
				continue
			case 2:
				b.WriteString("%" + string("0123456789abcdefXZ"[rnd.IntN(18)]) + string("0123456789ABCDEF"[rnd.IntN(16)]))
				continue
			}
			b.WriteRune(alphabet[rnd.IntN(len(alphabet))])
		}
		if check(b.String()) {
			accepted++
		}
	}
	if accepted < 1000 {
		t.Fatalf("only %d of 20000 random URLs accepted: the generator misses the valid ones", accepted)
	}
	t.Logf("%d of 20000 random URLs accepted, all URIs", accepted)
}
