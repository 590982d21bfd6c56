package startgc

import (
	"math"
	"os"
	"runtime/metrics"
	"testing"
	"time"
)

// While the program starts the pacer is off within the memory limit (unless
// the user set GOGC or GOMEMLIMIT); a moment later the defaults are back.
func TestCollectorResumesAfterTheStart(t *testing.T) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOGC or GOMEMLIMIT is set: the package leaves the collector alone")
	}
	if pct, lim := settings(); time.Since(start) < hold/2 && (pct != -1 || lim != limit) {
		t.Fatalf("at the start: GC percent %d, memory limit %d; want -1 and %d", pct, lim, limit)
	}
	deadline := time.Now().Add(hold + 5*time.Second)
	for {
		pct, lim := settings()
		if pct == 100 && lim == math.MaxInt64 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GC percent %d, memory limit %d, %s after the start", pct, lim, hold+5*time.Second)
		}
		if pct != -1 || lim != limit {
			t.Fatalf("while starting: GC percent %d, memory limit %d; want -1 and %d", pct, lim, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settings reads the collector's settings without changing them.
func settings() (pct, lim int64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64()), int64(s[1].Value.Uint64())
}
