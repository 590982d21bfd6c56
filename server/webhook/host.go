package webhook

import (
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// Hosts are read the way browsers (the WHATWG URL standard) and inet_aton
// read them, so that no spelling of a blocked address passes the save-time
// check: full-width, circled and other compatibility digits and dots are
// mapped (Unicode IDNA/NFKC), and an IPv4 address may be written with
// octal (0177), hexadecimal (0x7f) or fewer parts (127.1, 2130706433).

// errBadHost is a host no URL parser would accept.
var errBadHost = &URLError{"Endpoint URL has an invalid host"}

// idnaProfile is WHATWG's "domain to ASCII" (UTS 46, non-transitional,
// no STD3 rules, no hyphen or length checks).
var idnaProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false), idna.CheckHyphens(false),
	idna.CheckJoiners(true), idna.StrictDomainName(false), idna.VerifyDNSLength(false))

// canonicalHost returns host (as url.URL.Hostname gives it) in canonical
// form, and the address it denotes when it is an IP address: IPv6 as netip
// prints it, IPv4 in dotted decimal, names in lower-case ASCII (punycode).
func canonicalHost(host string) (string, netip.Addr, error) {
	if strings.Contains(host, ":") {
		ip, err := netip.ParseAddr(host)
		if err != nil || ip.Zone() != "" || !ip.Is6() {
			return "", netip.Addr{}, errBadHost
		}
		return ip.String(), ip, nil
	}
	ascii, err := idnaProfile.ToASCII(host)
	if err != nil || ascii == "" {
		return "", netip.Addr{}, errBadHost
	}
	ascii = strings.ToLower(ascii)
	if ip, isIP, err := parseIPv4(ascii); isIP {
		if err != nil {
			return "", netip.Addr{}, err
		}
		return ip.String(), ip, nil
	}
	for _, c := range ascii {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return "", netip.Addr{}, errBadHost
		}
	}
	return ascii, netip.Addr{}, nil
}

// parseIPv4 is the WHATWG IPv4 parser. isIP reports whether the host ends
// in a number and so must be an IPv4 address (a host such as 1.2.3.4.5 or
// 1.2.3.08 is then an error, not a name).
func parseIPv4(host string) (ip netip.Addr, isIP bool, err error) {
	parts := strings.Split(host, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1] // one trailing dot
	}
	last := parts[len(parts)-1]
	if last == "" {
		return ip, false, nil
	}
	if _, ok := ipv4Number(last); !ok && strings.Trim(last, "0123456789") != "" {
		return ip, false, nil // a name
	}
	bad := &URLError{"Endpoint URL host ends in a number but is not a valid IPv4 address"}
	if len(parts) > 4 {
		return ip, true, bad
	}
	var nums []uint64
	for _, p := range parts {
		n, ok := ipv4Number(p)
		if !ok {
			return ip, true, bad
		}
		nums = append(nums, n)
	}
	for _, n := range nums[:len(nums)-1] {
		if n > 255 {
			return ip, true, bad
		}
	}
	if nums[len(nums)-1] >= 1<<(8*(5-len(nums))) {
		return ip, true, bad
	}
	v := nums[len(nums)-1]
	for i, n := range nums[:len(nums)-1] {
		v += n << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true, nil
}

// ipv4Number reads one part: 0x… hexadecimal (0x alone is 0), 0… octal, else decimal.
func ipv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
		if s == "" {
			return 0, true
		}
	case len(s) > 1 && s[0] == '0':
		s, base = s[1:], 8
	}
	if strings.ContainsAny(s, "+-") {
		return 0, false
	}
	n, err := strconv.ParseUint(s, base, 64)
	if err != nil || n > 1<<32 {
		return 0, false
	}
	return n, true
}
