package models

import (
	"net/netip"
	"strings"
	"testing"
)

// netipAccepts is the server's rule for an allow-list entry, by net/netip alone.
func netipAccepts(s string) bool {
	if strings.TrimSpace(s) != s {
		return false
	}
	if strings.Contains(s, "/") {
		_, err := netip.ParsePrefix(s)
		return err == nil
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Zone() == ""
}

func ipSeeds() []string {
	return []string{
		"10.0.0.1", "0.0.0.0", "255.255.255.255", "203.0.113.7/24", "10.0.0.0/0", "10.0.0.0/32", "10.0.0.0/33", "10.0.0.0/08",
		"010.0.0.1", "256.0.0.1", "1.2.3", "1.2.3.4.5", " 10.0.0.1", "10.0.0.1 ", "::", "::1", "1::", "2001:db8::/32", "2001:db8::/129",
		"::ffff:10.0.0.1", "::ffff:010.0.0.1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "1::2:3:4:5:6:7",
		"1:2:3:4:5:6:1.2.3.4", "fe80::1%eth0", "::/0", "12345::", "1:::2", ":1::", "1::2::3", "abcd:EF01::/64", "1::2:3:4:5:6:7:8",
		"::1.2.3.4", "1:2:3:4:5::1.2.3.4", "1:2:3:4:5:6::1.2.3.4", "/24", "", "10.0.0.0/",
	}
}

// The allow-list pattern the contract states accepts exactly what net/netip
// accepts (no zones, no surrounding spaces).
func TestIPPatternIsNetip(t *testing.T) {
	for _, s := range ipSeeds() {
		if got, want := ipRE().MatchString(s), netipAccepts(s); got != want {
			t.Errorf("%q: pattern %v, netip %v", s, got, want)
		}
	}
}

func FuzzIPPattern(f *testing.F) {
	for _, s := range ipSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ipRE().MatchString(s), netipAccepts(s); got != want {
			t.Fatalf("%q: pattern %v, netip %v", s, got, want)
		}
	})
}

func TestValidEmail(t *testing.T) {
	for _, c := range []struct {
		s  string
		ok bool
	}{
		{"user@example.com", true}, {"first.last+tag@sub.example.co.uk", true}, {"o'brien@example.ie", true},
		{"a@b.c", true}, {"user@localhost", false}, {"user@exa_mple.com", false}, {"user@-example.com", false},
		{".user@example.com", false}, {"us..er@example.com", false}, {"\"quoted\"@example.com", false},
		{"Ada <ada@example.com>", false}, {"ada@example.com ", false}, {"ada@[192.0.2.1]", false}, {"ünï@example.com", false},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 57) + ".com", true},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 58) + ".com", false},
	} {
		if got := ValidEmail(c.s); got != c.ok {
			t.Errorf("ValidEmail(%q) = %v, want %v", c.s, got, c.ok)
		}
	}
}
