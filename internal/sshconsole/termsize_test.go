package sshconsole

import (
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// liveHeapMB is the live heap after a full collection.
func liveHeapMB() float64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return float64(s[0].Value.Uint64()) / (1 << 20)
}

// rssMB is the process's resident set (Linux; 0 elsewhere).
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// A client claiming a huge terminal gets a console of at most 500×200,
// on the PTY request and on every resize, and the server's memory with
// that one client stays within 50 MB of its idle size.
func TestSSHHugeTerminalIsClampedAndMemoryBounded(t *testing.T) {
	// Fast polls: a closed console's program is freed once its last command returns.
	env := newSSHEnv(t, newStubConsole, fastRefresh)
	c := mustDial(t, env.addr, env.api.admin)
	idle, idleRSS := liveHeapMB(), rssMB()
	check := func(step string) {
		t.Helper()
		heap, rss := liveHeapMB(), rssMB()
		t.Logf("%-24s live heap %5.1f MB (idle %4.1f), RSS %5.1f MB (idle %4.1f)", step, heap, idle, rss, idleRSS)
		if heap-idle > 50 {
			t.Fatalf("%s: live heap grew %.0f MB over idle, want under 50 MB", step, heap-idle)
		}
		if !raceEnabled && rss-idleRSS > 50 {
			t.Fatalf("%s: RSS grew %.0f MB over idle, want under 50 MB", step, rss-idleRSS)
		}
	}
	closeTerm := func(ts *termSession) {
		t.Helper()
		ts.send(t, "q")
		ts.wait(t)
		waitNoSessions(t, env)
		time.Sleep(3 * env.opts.Refresh.RateLimits)
	}
	want := fmt.Sprintf("size=%dx%d", maxTermCols, maxTermRows)

	// Initial PTY requests, including values past int32.
	for _, n := range []int{4000, 20000, 1 << 31} {
		big := openTerm(t, c, n, n, nil)
		big.waitFor(t, "stub-console") // the first frame is drawn
		check(fmt.Sprintf("pty-req %dx%d", n, n))
		big.waitFor(t, want)
		closeTerm(big)
	}
	waitAudit(t, env.audit, `"width":500,"height":200`)

	// Resizes: 1000×1000 is a size Bubble Tea itself would accept.
	ts := openTerm(t, c, 80, 24, nil)
	for _, n := range []int{1000, 4000, 20000} {
		if err := ts.sess.WindowChange(30, 100); err != nil {
			t.Fatal(err)
		}
		ts.waitFor(t, "size=100x30")
		if err := ts.sess.WindowChange(n, n); err != nil {
			t.Fatal(err)
		}
		ts.waitFor(t, want)
		check(fmt.Sprintf("resize to %dx%d", n, n))
	}
	closeTerm(ts)
	check("all sessions closed")
	if heap := liveHeapMB(); heap-idle > 10 {
		t.Fatalf("live heap %.1f MB after every session closed, idle was %.1f MB", heap, idle)
	}
}

func waitNoSessions(t testing.TB, env *sshEnv) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for env.svc.sessionCount() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d consoles still running", env.svc.sessionCount())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestClampRewritesPtyAndBoundsWindows(t *testing.T) {
	pty := gossh.Marshal(&ptyRequest{Term: "xterm", Cols: 4000, Rows: 30, WPx: 9, HPx: 9, Modes: "\x00"})
	req := &gossh.Request{Type: "pty-req", Payload: pty}
	clampPty(req)
	var p ptyRequest
	if err := gossh.Unmarshal(req.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if p.Term != "xterm" || p.Cols != 500 || p.Rows != 30 || p.WPx != 0 || p.Modes != "\x00" {
		t.Fatalf("clamped pty-req %+v", p)
	}
	w, ok := clampedWindow(gossh.Marshal(&windowChange{Cols: 120, Rows: 40, WPx: 960, HPx: 640}))
	if !ok || w.Width != 120 || w.Height != 40 || w.WidthPixels != 960 {
		t.Fatalf("a normal window changed: %+v %v", w, ok)
	}
	if w, ok := clampedWindow(gossh.Marshal(&windowChange{Cols: 1 << 31, Rows: 300})); !ok || w.Width != 500 || w.Height != 200 {
		t.Fatalf("huge window: %+v %v", w, ok)
	}
	if _, ok := clampedWindow([]byte{1, 2}); ok {
		t.Fatal("an unparsable payload was accepted")
	}
	bad := &gossh.Request{Type: "pty-req", Payload: []byte{1, 2}}
	clampPty(bad)
	if len(bad.Payload) != 2 {
		t.Fatal("an unparsable payload was rewritten")
	}
}
