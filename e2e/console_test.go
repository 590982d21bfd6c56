package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

const slow = 45 * time.Second // first run seeds the sandbox database

// TestConsoleInTmux runs the real binary on the sandbox: the Overview shows
// data, tabs switch, the layout survives a too-small terminal, q quits.
func TestConsoleInTmux(t *testing.T) {
	s := Start(t, []string{"--sandbox-traffic=false"}, nil)
	screen := s.WaitFor("Production Server", slow)
	for _, want := range []string{"Start building", "Rate limit", "admin@acme.test", "SANDBOX", "1 Overview", "5 Webhooks", "coming Q1 2026"} {
		if !strings.Contains(screen, want) {
			t.Errorf("Overview lacks %q:\n%s", want, screen)
		}
	}
	checkRateCard(t, s)

	s.SendKeys("4")
	s.WaitFor("time range", 10*time.Second) // the Usage pane's help line
	s.WaitGone("Start building", 5*time.Second)
	s.SendKeys("Tab")
	s.WaitGone("time range", 5*time.Second)
	s.SendKeys("1")
	s.WaitFor("Start building", 5*time.Second)

	s.Resize(70, 20)
	s.WaitFor("terminal too small: 80×24 needed", 5*time.Second)
	s.Resize(Width, Height)
	s.WaitFor("Start building", 5*time.Second)

	s.SendKeys("q")
	s.WaitFor(ExitMarker+" 0", 10*time.Second)
}

// checkRateCard reads the Overview's rate-limit card and the status-bar
// gauge: the title is the plan's (not the busiest key's own rate), and both
// show the spent part of a bucket against the plan's burst, and say so.
func checkRateCard(t *testing.T, s *Session) {
	t.Helper()
	title := regexp.MustCompile(`Rate limit · (\w+) plan · (\d+) req/min · burst (\d+)`)
	bucket := regexp.MustCompile(`[█░]+ (\d+)/(\d+) spent \((\d+)%\)`)
	screen := s.WaitUntil("the rate-limit card", 15*time.Second, func(sc string) bool {
		return title.MatchString(sc) && bucket.MatchString(sc)
	})
	tm, bm := title.FindStringSubmatch(screen), bucket.FindStringSubmatch(screen)
	if tm[1] != "Professional" || tm[2] != "300" || tm[3] != "500" {
		t.Errorf("card title %q, want the seeded Professional plan's 300/min, burst 500", tm[0])
	}
	used, burst, pct := atoi(t, bm[1]), atoi(t, bm[2]), atoi(t, bm[3])
	if burst != 500 || used > burst || pct != (used*100+burst/2)/burst {
		t.Errorf("card bucket %q: want used ≤ burst 500 and a matching percentage", bm[0])
	}
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	status := lines[len(lines)-2]
	if !regexp.MustCompile(`\d+/500 spent\b`).MatchString(status) {
		t.Errorf("status-bar gauge lacks spent/burst numbers: %q", status)
	}
	if strings.Contains(screen, "full in") || strings.Contains(screen, "· full") {
		t.Errorf("the gauge says \"full\" of a bar that shows what is spent:\n%s", screen)
	}
}

func atoi(t *testing.T, v string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(v, &n); err != nil {
		t.Fatalf("%q: %v", v, err)
	}
	return n
}

// TestNoColor checks that NO_COLOR leaves no colour sequences on screen.
func TestNoColor(t *testing.T) {
	s := Start(t, []string{"--sandbox-traffic=false"}, map[string]string{"NO_COLOR": "1"})
	s.WaitFor("Production Server", slow)
	ansi := s.CaptureANSI()
	for _, sgr := range regexp.MustCompile(`\x1b\[([0-9;]*)m`).FindAllStringSubmatch(ansi, -1) {
		for _, p := range strings.Split(sgr[1], ";") {
			if setsColour(p) {
				t.Fatalf("colour code %q under NO_COLOR:\n%q", sgr[0], ansi)
			}
		}
	}
	s.SendKeys("q")
	s.WaitFor(ExitMarker+" 0", 10*time.Second)
}

// setsColour reports whether an SGR parameter picks a colour (39/49, the
// defaults, do not).
func setsColour(p string) bool {
	var n int
	if _, err := fmt.Sscan(p, &n); err != nil {
		return false
	}
	return (n >= 30 && n <= 38) || (n >= 40 && n <= 48) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107)
}
