// Command loadgen measures the reference server as a separate process: the
// server CPU per request of product routes against /healthz in the same run
// (counted from /proc/PID/stat until the server is idle again, so the usage
// writer's catch-up counts), storage per million requests, analytics and
// list latencies, and start-up time. Every figure of BENCHMARKS.md "At
// scale" comes from one of its modes; see there for the commands.
//
//	go run ./tools/loadgen ratio -keys 1,100,1000 -rounds 3
//	go run ./tools/loadgen analytics -seed-keys 500
//	go run ./tools/loadgen lists -keys 10000
//	go run ./tools/loadgen startup -db big.db
//	go run ./tools/loadgen seed -seed-keys 1000
//	go run ./tools/loadgen instances -instances 1,3 -keys 100
//	go run ./tools/loadgen ratio -pg postgres://postgres@127.0.0.1:5432/test
//	go run ./tools/loadgen instances -pg postgres://postgres@127.0.0.1:5432/test -instances 1m,1,3,3m -keys 100
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

type opts struct {
	bin      string
	port     int
	keys     []int
	rounds   int
	dur      time.Duration
	conc     int
	route    string
	seedKeys int
	db       string
	base     string
	keep     bool
	// requests ends the ratio's product phase after that many requests
	// (within -dur), so storage per request compares across databases.
	requests int64
	// instances: counts of server processes ("1m": in-memory limits) and
	// the Redis they share limits through.
	instances []string
	redis     string
	// perf, when set, records each ratio phase of every process with
	// Linux perf into PREFIX-healthz.data and PREFIX-product.data.
	perf string
	// pairs adds, after each ratio round's cold pair, that many warm pairs
	// on the same server.
	pairs int
}

// modes maps each mode to its run; the usage line in main lists them too.
var modes = map[string]func(opts, string) error{
	"ratio":     runRatio,
	"analytics": runAnalytics,
	"lists":     runLists,
	"startup":   runStartup,
	"seed":      runSeed,
	"instances": runInstances,
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: loadgen ratio|analytics|lists|startup|seed|instances [flags]")
		os.Exit(2)
	}
	mode := os.Args[1]
	var o opts
	var keys string
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	fs.StringVar(&o.bin, "bin", "", "pmdev binary (default: go build . into a temp dir)")
	fs.IntVar(&o.port, "port", 28080, "server port on 127.0.0.1")
	fs.StringVar(&keys, "keys", "1,100,1000", "key counts (ratio, lists)")
	fs.IntVar(&o.rounds, "rounds", 3, "repetitions")
	fs.DurationVar(&o.dur, "dur", 5*time.Second, "length of each load phase")
	fs.IntVar(&o.conc, "conc", 8, "concurrent client connections")
	fs.StringVar(&o.route, "route", "/api/v1/campaigns?limit=5", "product route")
	fs.IntVar(&o.seedKeys, "seed-keys", 500, "keys of the demo seed (analytics, seed)")
	fs.StringVar(&o.db, "db", "", "database (startup: the big one; analytics: reuse a seeded one)")
	fs.StringVar(&o.base, "base", "", "startup: the database to compare with (default: a new empty one)")
	fs.Int64Var(&o.requests, "requests", 0, "ratio: end the product phase after this many requests (0: after -dur)")
	fs.Float64Var(&pace, "rate", 0, "requests per second across all connections, every phase (0: as fast as they are answered); CPU per request compared at one rate")
	fs.IntVar(&o.pairs, "pairs", 0, "ratio: after each round's first (cold) pair of phases, this many warm pairs on the same server, /healthz then the product route, each product phase counted until the writer has caught up")
	fs.BoolVar(&o.keep, "keep", false, "keep the temp directory")
	fs.StringVar(&o.perf, "perf", "", "ratio: record each phase with perf (every process: the server, PostgreSQL) into PREFIX-healthz.data and PREFIX-product.data (read with perf report)")
	var instances string
	fs.StringVar(&instances, "instances", "1,3", "instances: server process counts on one database, sharing Redis limits (1m, 3m: in-memory limits)")
	fs.StringVar(&o.redis, "redis", "redis://127.0.0.1:6379/0", "instances: the Redis the limiter uses")
	fs.StringVar(&pgBase, "pg", "", "run every server on PostgreSQL at this URL (a schema per database), e.g. postgres://postgres@127.0.0.1:5432/test")
	_ = fs.Parse(os.Args[2:])
	for _, c := range strings.Split(instances, ",") {
		o.instances = append(o.instances, strings.TrimSpace(c))
	}
	for _, k := range strings.Split(keys, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(k))
		if err != nil || n < 1 {
			fail(fmt.Errorf("bad -keys %q", keys))
		}
		o.keys = append(o.keys, n)
	}
	dir, err := os.MkdirTemp("", "loadgen")
	fail(err)
	keepSchemas = o.keep
	if !o.keep {
		defer os.RemoveAll(dir)
		defer dropSchemas()
	} else {
		fmt.Println("temp dir", dir)
	}
	if o.bin == "" {
		o.bin = filepath.Join(dir, "pmdev")
		cmd := exec.Command("go", "build", "-o", o.bin, ".")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		fail(cmd.Run())
	}
	fmt.Printf("loadgen %s  (load average at start %s, %s)\n", mode, loadAvg(), time.Now().UTC().Format(time.RFC3339))
	run, ok := modes[mode]
	if !ok {
		fail(fmt.Errorf("unknown mode %q", mode))
	}
	fail(run(o, dir))
	fmt.Printf("load average at end %s\n", loadAvg())
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		if !keepSchemas {
			dropSchemas() // os.Exit skips the deferred drop
		}
		os.Exit(1)
	}
}

func (o opts) addr() string { return "127.0.0.1:" + strconv.Itoa(o.port) }

// stats is median [min–max] of xs.
func stats(xs []float64, format string) string {
	if len(xs) == 0 {
		return "-"
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	f := func(v float64) string { return fmt.Sprintf(format, v) }
	return f(s[len(s)/2]) + " [" + f(s[0]) + "–" + f(s[len(s)-1]) + "]"
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
