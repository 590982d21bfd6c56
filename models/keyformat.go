package models

import (
	"hash/crc32"
	"strings"
)

// Key format: prefix + KeyRandomLen base62 chars + KeyChecksumLen base62 chars
// of CRC32-IEEE(prefix+random). The checksum lets clients reject typos offline.
const (
	Base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	KeyRandomLen   = 58
	KeyChecksumLen = 6
	KeyBodyLen     = KeyRandomLen + KeyChecksumLen
)

// KeyChecksum returns the 6-char base62 CRC32-IEEE of prefix+random, left-padded with '0'.
func KeyChecksum(prefixAndRandom string) string {
	b := keyChecksum(prefixAndRandom)
	return string(b[:])
}

// keyChecksum is KeyChecksum without allocations (keys are checked per request).
func keyChecksum(s string) [KeyChecksumLen]byte {
	var buf [96]byte
	c := crc32.ChecksumIEEE(append(buf[:0], s...))
	var b [KeyChecksumLen]byte
	for i := KeyChecksumLen - 1; i >= 0; i-- {
		b[i] = Base62Alphabet[c%62]
		c /= 62
	}
	return b
}

// KeyPrefix returns the environment prefix of s (pm_live_ or pm_test_), or "".
func KeyPrefix(s string) string {
	switch {
	case strings.HasPrefix(s, PrefixLive):
		return PrefixLive
	case strings.HasPrefix(s, PrefixTest):
		return PrefixTest
	}
	return ""
}

// ValidKeyChecksum reports whether s is a well-formed API key whose checksum matches.
func ValidKeyChecksum(s string) bool {
	p := KeyPrefix(s)
	if p == "" || len(s) != len(p)+KeyBodyLen {
		return false
	}
	for i := len(p); i < len(s); i++ {
		if !isBase62(s[i]) {
			return false
		}
	}
	cut := len(p) + KeyRandomLen
	b := keyChecksum(s[:cut])
	return string(b[:]) == s[cut:]
}

// MaskKey shows the prefix, 3 chars and the last 4: pm_live_a1b…o5p6.
// Anything too short to mask safely is replaced entirely.
func MaskKey(s string) string {
	p := KeyPrefix(s)
	if p == "" {
		if strings.HasPrefix(s, PrefixPAT) {
			p = PrefixPAT
		} else {
			return "…"
		}
	}
	body := s[len(p):]
	if len(body) < 12 {
		return p + "…"
	}
	return MaskFromParts(p+body[:3], body[len(body)-4:])
}

// MaskFromParts joins a stored display head and tail.
func MaskFromParts(head, tail string) string { return head + "…" + tail }

func isBase62(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
}
