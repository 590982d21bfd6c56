package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// ErrBlockedAddress is returned when a URL resolves to an address webhooks may not reach.
var ErrBlockedAddress = errors.New("address is not allowed for webhooks")

// blockedPrefixes are ranges outside what netip's predicates cover.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64 can reach private IPv4
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4 embeds any IPv4
	netip.MustParsePrefix("2001::/32"),       // Teredo embeds an IPv4 too
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated): ::127.0.0.1
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
	netip.MustParsePrefix("100::/64"),        // discard-only
}

// BlockedIP reports whether webhooks must not connect to ip: loopback,
// private, link-local (which holds the cloud metadata address
// 169.254.169.254), multicast, unspecified and reserved ranges.
func BlockedIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// URLError is a validation failure meant for the API caller.
type URLError struct{ Msg string }

func (e *URLError) Error() string { return e.Msg }

// Resolver looks up a host's addresses (net.DefaultResolver in production).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// msgBlockedAddress answers every host that is, in whatever spelling, a blocked address.
const msgBlockedAddress = "Endpoint must not point to a loopback, private, link-local or metadata address (a server started with --allow-private-webhooks accepts them)"

// ValidateURL checks an endpoint URL: absolute https (http too when private
// targets are allowed), a host, no credentials, only URI characters, and,
// unless allowPrivate, no host that is or resolves to a blocked address.
// The host is read as a browser reads it (see canonicalHost) and the URL
// returned carries it in canonical form, so what is stored is what is
// dialled. A host that does not resolve now is accepted; the dialer checks
// again at every delivery.
func ValidateURL(ctx context.Context, raw string, allowPrivate bool, res Resolver) (*url.URL, error) {
	u, fe := models.CheckWebhookURL(raw, allowPrivate)
	if fe != nil {
		return nil, &URLError{fe.Message}
	}
	host, ip, err := canonicalHost(u.Hostname())
	if err != nil {
		return nil, err
	}
	// A blocked address is named as such in any spelling, full-width digits
	// included, before the characters are held to the URI alphabet.
	if !allowPrivate && ip.IsValid() && BlockedIP(ip) {
		return nil, &URLError{msgBlockedAddress}
	}
	if fe := models.CheckWebhookURLChars(raw); fe != nil {
		return nil, &URLError{fe.Message}
	}
	port := u.Port()
	if ip.IsValid() && ip.Is6() {
		u.Host = "[" + host + "]"
	} else {
		u.Host = host
	}
	if port != "" {
		u.Host += ":" + port
	}
	if allowPrivate {
		return u, nil
	}
	if ip.IsValid() {
		if BlockedIP(ip) {
			return nil, &URLError{msgBlockedAddress}
		}
		return u, nil
	}
	lh := strings.ToLower(strings.TrimSuffix(host, "."))
	if lh == "localhost" || strings.HasSuffix(lh, ".localhost") || strings.HasSuffix(lh, ".internal") || strings.HasSuffix(lh, ".local") || !strings.Contains(lh, ".") {
		return nil, &URLError{"Endpoint must use a public host name"}
	}
	if res != nil {
		lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if addrs, err := res.LookupNetIP(lctx, "ip", host); err == nil {
			for _, a := range addrs {
				if BlockedIP(a) {
					return nil, &URLError{"Endpoint host resolves to a loopback, private, link-local or metadata address"}
				}
			}
		}
	}
	return u, nil
}

// dialControl rejects connections to blocked addresses. It runs after DNS
// resolution, on the address actually dialled, so a host that re-resolves to
// a private address between validation and delivery (DNS rebinding) is caught.
func dialControl(allowPrivate bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrBlockedAddress, address)
		}
		if BlockedIP(ap.Addr()) {
			return fmt.Errorf("%w: %s", ErrBlockedAddress, ap.Addr())
		}
		return nil
	}
}

// NewHTTPClient is the client deliveries use: connect-time address checks,
// no proxy from the environment (it would bypass them), no redirects, and
// the given total timeout per attempt; perHost idle connections are kept
// per receiver (one per concurrent attempt).
func NewHTTPClient(timeout time.Duration, allowPrivate bool, perHost int) *http.Client {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: dialControl(allowPrivate)}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   max(perHost, 1),
		IdleConnTimeout:       60 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
