package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := f[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

func TestValidateURLRejects(t *testing.T) {
	res := fakeResolver{
		"rebind.example.com": {netip.MustParseAddr("10.1.2.3")},
		"meta.example.com":   {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("169.254.169.254")},
		"ok.example.com":     {netip.MustParseAddr("93.184.216.34")},
	}
	bad := map[string]string{
		"loopback":        "https://127.0.0.1/hook",
		"loopback other":  "https://127.8.9.10/hook",
		"ten":             "https://10.0.0.5/hook",
		"172.16":          "https://172.16.4.4/hook",
		"192.168":         "https://192.168.1.1:8443/hook",
		"metadata":        "https://169.254.169.254/latest/meta-data",
		"ipv6 loopback":   "https://[::1]/hook",
		"ipv6 ula":        "https://[fd00::1]/hook",
		"ipv6 link-local": "https://[fe80::1]/hook",
		"mapped v4":       "https://[::ffff:127.0.0.1]/hook",
		"unspecified":     "https://0.0.0.0/hook",
		"cgnat":           "https://100.64.0.1/hook",
		"localhost":       "https://localhost/hook",
		"sub localhost":   "https://api.localhost/hook",
		"single label":    "https://intranet/hook",
		"http scheme":     "http://example.com/hook",
		"ftp scheme":      "ftp://example.com/hook",
		"no scheme":       "example.com/hook",
		"malformed":       "https://exa mple.com/%zz",
		"empty":           "",
		"credentials":     "https://user:pw@example.com/hook",
		"bad port":        "https://example.com:99999/hook",
		"resolves 10/8":   "https://rebind.example.com/hook",
		"one of many bad": "https://meta.example.com/hook",
		"too long":        "https://example.com/" + strings.Repeat("a", 2100),
	}
	for name, u := range bad {
		if _, err := ValidateURL(context.Background(), u, false, res); err == nil {
			t.Errorf("%s: %q accepted", name, u)
		} else if _, ok := err.(*URLError); !ok {
			t.Errorf("%s: error %T is not a URLError", name, err)
		}
	}
	for _, u := range []string{"https://ok.example.com/hook", "https://93.184.216.34/x", "https://unresolvable.example.org/hook"} {
		if _, err := ValidateURL(context.Background(), u, false, res); err != nil {
			t.Errorf("%q rejected: %v", u, err)
		}
	}
	// The sandbox allows local receivers over http.
	for _, u := range []string{"http://127.0.0.1:9000/hook", "https://localhost/x"} {
		if _, err := ValidateURL(context.Background(), u, true, res); err != nil {
			t.Errorf("allow-private: %q rejected: %v", u, err)
		}
	}
	if _, err := ValidateURL(context.Background(), "ftp://127.0.0.1/", true, res); err == nil {
		t.Error("allow-private still must reject other schemes")
	}
}

func TestBlockedIP(t *testing.T) {
	for _, s := range []string{"127.0.0.1", "10.255.0.1", "169.254.169.254", "::1", "fe80::1", "fd00:ec2::254", "224.0.0.1", "255.255.255.255", "::ffff:10.0.0.1", "64:ff9b::a00:1"} {
		if !BlockedIP(netip.MustParseAddr(s)) {
			t.Errorf("%s not blocked", s)
		}
	}
	for _, s := range []string{"93.184.216.34", "8.8.8.8", "2606:4700::1111"} {
		if BlockedIP(netip.MustParseAddr(s)) {
			t.Errorf("%s blocked", s)
		}
	}
}

// The connect-time check catches a host name that resolves to a blocked
// address when the request is made (DNS rebinding), whatever validation said.
func TestDialerBlocksAtConnectTime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	c := NewHTTPClient(timeoutForTests, false, 1)
	for _, u := range []string{srv.URL, "http://localhost" + port + "/"} {
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s: request reached a loopback receiver", u)
		}
		if !errors.Is(err, ErrBlockedAddress) {
			t.Fatalf("%s: error %v is not ErrBlockedAddress", u, err)
		}
		if d := describe(err, timeoutForTests); !strings.HasPrefix(d, "blocked: ") {
			t.Fatalf("describe = %q", d)
		}
	}
	// With private targets allowed the same request goes through.
	resp, err := NewHTTPClient(timeoutForTests, true, 1).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	hits := 0
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer target.Close()
	redir := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	defer redir.Close()
	resp, err := NewHTTPClient(timeoutForTests, true, 1).Post(redir.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || hits != 0 {
		t.Fatalf("status %d, target hits %d: redirect followed", resp.StatusCode, hits)
	}
}

const timeoutForTests = 2 * time.Second
