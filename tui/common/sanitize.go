package common

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sanitize makes a string from the API safe to print: escape sequences
// (CSI, OSC, DCS, …) are removed whole, other control characters and invalid
// UTF-8 are replaced, and newlines and tabs become spaces. A hostile key name
// cannot move the cursor, change colours or write the clipboard.
func Sanitize(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune('\uFFFD')
			i++
			continue
		case r == 0x1b: // ESC: skip the whole sequence
			i += escLen(s[i:])
			continue
		case r == '\n' || r == '\t' || r == '\r':
			b.WriteByte(' ')
		case r == 0x9b || r == 0x9d || r == 0x90: // 8-bit CSI/OSC/DCS
			i += size
			i += skipTo(s[i:], r)
			continue
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069):
			// C0/C1 controls and bidi overrides.
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// SanitizeMultiline is Sanitize but keeps newlines (for bodies shown as blocks).
func SanitizeMultiline(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = Sanitize(l)
	}
	return strings.Join(lines, "\n")
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c >= 0x80 {
			return false
		}
	}
	return true
}

// escLen returns the length of the escape sequence at the start of s.
func escLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[': // CSI: parameters then a final byte 0x40–0x7E
		for i := 2; i < len(s); i++ {
			if s[i] >= 0x40 && s[i] <= 0x7e {
				return i + 1
			}
		}
		return len(s)
	case ']', 'P', '_', '^', 'X': // OSC, DCS, APC, PM, SOS: until BEL or ST
		for i := 2; i < len(s); i++ {
			if s[i] == 0x07 {
				return i + 1
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
		}
		return len(s)
	default:
		return 2
	}
}

func skipTo(s string, intro rune) int {
	for i := 0; i < len(s); i++ {
		if intro == 0x9b && s[i] >= 0x40 && s[i] <= 0x7e {
			return i + 1
		}
		if intro != 0x9b && (s[i] == 0x07 || s[i] == 0x9c) {
			return i + 1
		}
	}
	return len(s)
}
