package common

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// Width's fast path must agree with the grapheme-aware measure.
func TestWidthAgreesWithAnsi(t *testing.T) {
	for _, s := range []string{"", "abc", "\x1b[1mbold\x1b[0m", "• ✓ ─│ é", "日本語", "e\u0301", "👍🏽 ok", "\x1b]8;;http://x\x07link\x1b]8;;\x07", "tab\there"} {
		if got, want := Width(s), ansi.StringWidth(s); got != want {
			t.Errorf("Width(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestFitFamily(t *testing.T) {
	cases := []struct {
		name, got, want string
	}{
		{"fit pads", Fit("ab", 4), "ab  "},
		{"fit cuts with an ellipsis", Fit("abcdef", 4), "abc…"},
		{"fit right", FitRight("7", 3), "  7"},
		{"truncate keeps short", Truncate("abc", 5), "abc"},
		{"truncate", Truncate("abcdef", 3), "ab…"},
		{"clip has no ellipsis", Clip("abcdef", 3), "abc"},
		{"pad never cuts", Pad("abcdef", 3), "abcdef"},
		{"pad clip", PadClip("abcdef", 3) + "|" + PadClip("a", 3), "abc|a  "},
		{"pad left", PadLeft("1", 3), "  1"},
		{"spread", Spread("left", "right", 12), "left   right"},
		{"spread cuts the left first", Spread("a long left side", "right", 12), "a lon… right"},
		{"spread without right", Spread("left", "", 6), "left  "},
		{"thousands", Thousands(1234567) + " " + Thousands(-1000) + " " + Thousands(999), "1,234,567 -1,000 999"},
		{"clip block", ClipBlock("abcd\nefgh\nijkl", 2, 2), "ab\nef"},
		{"fit block", FitBlock("abcd", 2, 3), "ab\n\n"},
		{"truncate block", TruncateBlock("abcd\nef", 3, 5), "ab…\nef"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if Width(Spread("a long left side", "right", 12)) != 12 {
		t.Error("spread is not exactly the width")
	}
	if !Fits("ab", "cd", 5) || Fits("ab", "cd", 4) {
		t.Error("Fits does not count the gap")
	}
	if w := Wrap(strings.Repeat("word ", 10), 12); strings.Contains(w, "word word word") {
		t.Errorf("wrap: %q", w)
	}
}

func TestMemoComputesOncePerKey(t *testing.T) {
	var m Memo[int, string]
	n := 0
	f := func() string { n++; return "v" }
	m.Get(1, f)
	m.Get(1, f)
	m.Get(2, f)
	if n != 2 {
		t.Fatalf("computed %d times, want 2", n)
	}
	m.Reset()
	m.Get(2, f)
	if n != 3 {
		t.Fatal("Reset kept the value")
	}
}

func TestWrapWordsKeepsFlagsWhole(t *testing.T) {
	got := WrapWords("plain http is only allowed by servers run with --allow-private-webhooks", 60)
	if !strings.Contains(got, "\n--allow-private-webhooks") || strings.Contains(got, "‑") {
		t.Fatalf("%q", got)
	}
}
