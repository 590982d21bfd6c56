package models

import (
	"regexp"
	"strings"
	"sync"
)

// Rules the contract states as patterns, in the subset of regular
// expressions that Go, ECMA-262 (with the u flag) and Python's re read
// alike: no \d, \w, \s or \p classes (Python's \d matches any decimal
// digit), no flags, no lookaround. The server checks the same patterns;
// tests compare them with api/openapi.yaml.
const (
	// TextPattern is every free-text string of a request: no control
	// character but tab, line feed and carriage return, no bidirectional
	// formatting character.
	TextPattern = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]*$"

	// EmailPattern is an e-mail address: a dot-atom local part and a host
	// name of letters, digits and inner hyphens, as the "email" format of
	// the common JSON Schema validators (ajv-formats) reads it.
	EmailPattern = "^[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+)*@([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\.)+[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"

	// EmailMaxLen bounds an address.
	EmailMaxLen = 254

	// IPPattern is an allow-list entry: an IPv4 or IPv6 address, with or
	// without a prefix length (CIDR), no zone, no leading zeros in IPv4.
	IPPattern = "^(" + ipv4 + "(/(3[0-2]|[12]?[0-9]))?|" + ipv6 + "(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$"
)

const (
	octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
	ipv4  = octet + "\\." + octet + "\\." + octet + "\\." + octet
	h16   = "[0-9a-fA-F]{1,4}"
	ls32  = "(" + h16 + ":" + h16 + "|" + ipv4 + ")"
	// ipv6 is RFC 3986's IPv6address grammar, form by form.
	ipv6 = "((" + h16 + ":){6}" + ls32 +
		"|::(" + h16 + ":){5}" + ls32 +
		"|(" + h16 + ")?::(" + h16 + ":){4}" + ls32 +
		"|((" + h16 + ":){0,1}" + h16 + ")?::(" + h16 + ":){3}" + ls32 +
		"|((" + h16 + ":){0,2}" + h16 + ")?::(" + h16 + ":){2}" + ls32 +
		"|((" + h16 + ":){0,3}" + h16 + ")?::" + h16 + ":" + ls32 +
		"|((" + h16 + ":){0,4}" + h16 + ")?::" + ls32 +
		"|((" + h16 + ":){0,5}" + h16 + ")?::" + h16 +
		"|((" + h16 + ":){0,6}" + h16 + ")?::)"
)

// Compiled on first use: at package init they cost every start of the
// binary about a millisecond, most of them (the console's) never validating.
var (
	emailRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(EmailPattern) })
	ipRE    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(IPPattern) })
)

// ValidEmail reports whether s is an address the API accepts.
func ValidEmail(s string) bool {
	return len(s) <= EmailMaxLen && emailRE().MatchString(s)
}

// validIPForm reports whether s has the form of an allow-list entry.
func validIPForm(s string) bool {
	return strings.TrimSpace(s) == s && ipRE().MatchString(s)
}
