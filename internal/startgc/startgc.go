// Package startgc holds the garbage collector off while the program starts.
//
// Package initialisation and the first screen allocate a few megabytes that
// mostly stay live; with the default pacing the collector runs twice before
// main and competes with the first frame for the CPU (about 10 ms of a
// 100 ms start on two cores). Imported by main, this package's init turns
// the pacer off within a memory limit, so an unusual start cannot grow
// without bound, and puts it back a second later.
package startgc

import (
	"math"
	"os"
	"runtime/debug"
	"time"
)

// limit bounds the heap while the pacer is off: the collector still runs
// if a start allocates this much.
const limit = 64 << 20

// hold is how long the pacer stays off: past the first frame with data.
const hold = time.Second

// start is when init ran (read by the test).
var start = time.Now()

func init() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return // the user's settings win
	}
	debug.SetMemoryLimit(limit)
	debug.SetGCPercent(-1)
	time.AfterFunc(hold, func() {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	})
}
