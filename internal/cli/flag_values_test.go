package cli

import (
	"testing"
	"time"

	"github.com/penguinmails/pmdev/tui/common"
)

func TestSpansExpiriesAndGrace(t *testing.T) {
	for in, want := range map[string]time.Duration{"90m": 90 * time.Minute, "24h": 24 * time.Hour, "30d": 30 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "0": 0, "1.5d": 36 * time.Hour} {
		if got, err := parseSpan(in); err != nil || got != want {
			t.Errorf("parseSpan(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-3d", "soon", "3x", "-1h"} {
		if _, err := parseSpan(bad); err == nil {
			t.Errorf("parseSpan(%q) accepted", bad)
		}
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	if at, clear, err := parseExpiry("30d", now); err != nil || clear || !at.Equal(now.Add(30*24*time.Hour)) {
		t.Errorf("30d: %v %v %v", at, clear, err)
	}
	day, _, err := parseExpiry("2026-06-30", now)
	if want := time.Date(2026, 6, 30, 23, 59, 59, 0, time.Local).UTC(); err != nil || !day.Equal(want) {
		t.Errorf("a date lasts the whole local day: %v %v", day, err)
	}
	if _, clear, err := parseExpiry("never", now); err != nil || !clear {
		t.Errorf("never: %v %v", clear, err)
	}
	for _, bad := range []string{"2026-05-01", "yesterday", "0"} {
		if _, _, err := parseExpiry(bad, now); err == nil {
			t.Errorf("--expires %q accepted", bad)
		}
	}
	for in, want := range map[string]int{"24h": 24, "0": 0, "7d": 168, "1w": 168} {
		if got, err := parseGrace(in); err != nil || got != want {
			t.Errorf("parseGrace(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"90m", "8d", "-1h"} {
		if _, err := parseGrace(bad); err == nil {
			t.Errorf("--grace %q accepted", bad)
		}
	}
	for d, want := range map[time.Duration]string{
		20 * time.Second: "20 s", 59*time.Minute + 45*time.Second: "1 h", 47 * time.Hour: "47 h",
		50 * time.Hour: "2 d", 5 * time.Minute: "5 min", -time.Minute: "0 s",
	} {
		if got := common.ShortDur(d); got != want {
			t.Errorf("ShortDur(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestUsageWindows(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	p, err := usageRange("7d", "", "", now)
	if err != nil || p.Range != "7d" || !p.From.IsZero() {
		t.Errorf("7d: %+v %v", p, err)
	}
	p, err = usageRange("24h", "3d", "", now)
	if err != nil || p.Range != "custom" || !p.From.Equal(now.Add(-72*time.Hour)) || !p.To.IsZero() {
		t.Errorf("--from 3d: %+v %v", p, err)
	}
	p, err = usageRange("24h", "2026-05-01T00:00:00Z", "2026-05-02T00:00:00Z", now)
	if err != nil || p.To.Sub(p.From) != 24*time.Hour {
		t.Errorf("RFC 3339 window: %+v %v", p, err)
	}
	for _, bad := range [][3]string{{"2d", "", ""}, {"24h", "", "1d"}, {"24h", "1d", "3d"}, {"24h", "when", ""}} {
		if _, err := usageRange(bad[0], bad[1], bad[2], now); err == nil {
			t.Errorf("window %v accepted", bad)
		}
	}
}
