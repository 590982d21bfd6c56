// Command ptybench measures the console in a pseudo-terminal, as a person's
// terminal sees it, against the floor (tools/floor, the smallest Bubble Tea
// v2 program) in the same run:
//
//	go build -o pmdev . && go build -o floor ./tools/floor
//	go run ./tools/ptybench start -floor ./floor -- ./pmdev --sandbox-traffic=false
//	go run ./tools/ptybench start -fresh -splash "demo data" -floor ./floor -- ./pmdev --sandbox-traffic=false
//	go run ./tools/ptybench keys -floor ./floor -- ./pmdev --sandbox-traffic=false
//
// start: exec → the first frame showing the marker (a key prefix "pm_",
// data from the API), floor and console alternating, each round a new
// process; -fresh gives every console run a new data directory (first
// start: the sandbox is created and seeded), -splash times a splash text too.
// keys: key written → the frame showing its answer, for a tab switch (first
// and later opens), a range change and search keystrokes; the floor's time
// is key → its echo. Both print medians with [min–max] and the load average
// before and after. The programs get private XDG directories unless -env
// keep is given (then pass --sandbox-db to reach a given database).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "start":
		err = runStart(os.Args[2:])
	case "keys":
		err = runKeys(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ptybench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: ptybench start|keys [flags] -- COMMAND [ARGS]")
	os.Exit(2)
}

// common flags
type opts struct {
	runs       int
	rows, cols int
	floor      string
	env        string
	marker     string
	argv       []string
}

func (o *opts) register(fs *flag.FlagSet) {
	fs.IntVar(&o.runs, "runs", 5, "rounds")
	fs.IntVar(&o.rows, "rows", 40, "terminal rows")
	fs.IntVar(&o.cols, "cols", 120, "terminal columns")
	fs.StringVar(&o.floor, "floor", "", "the floor program (tools/floor), run in the same rounds")
	fs.StringVar(&o.env, "env", "private", "private: fresh XDG directories; keep: the caller's environment")
	fs.StringVar(&o.marker, "marker", "pm_", "text of the first frame with data")
}

func (o *opts) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.argv = fs.Args()
	if len(o.argv) == 0 {
		return fmt.Errorf("no command")
	}
	return nil
}

// environ is the environment of a run: TERM and size, and private XDG
// directories under dir unless the caller's are kept.
func (o *opts) environ(dir string) []string {
	env := os.Environ()
	env = slices.DeleteFunc(env, func(s string) bool {
		return strings.HasPrefix(s, "TERM=") || strings.HasPrefix(s, "COLUMNS=") || strings.HasPrefix(s, "LINES=") ||
			o.env != "keep" && strings.HasPrefix(s, "XDG_")
	})
	env = append(env, "TERM=xterm-256color", fmt.Sprintf("COLUMNS=%d", o.cols), fmt.Sprintf("LINES=%d", o.rows))
	if o.env != "keep" {
		for _, d := range []string{"XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"} {
			p := filepath.Join(dir, strings.ToLower(strings.TrimPrefix(d, "XDG_")))
			_ = os.MkdirAll(p, 0o700)
			env = append(env, d+"="+p)
		}
	}
	return env
}

// setup makes the runs' private directory and the environment of a warm
// database there, created by one untimed run when warmUp is set.
func (o *opts) setup(warmUp bool) (tmp string, env []string, err error) {
	if tmp, err = os.MkdirTemp("", "ptybench"); err != nil {
		return "", nil, err
	}
	env = o.environ(filepath.Join(tmp, "warm"))
	if warmUp {
		if _, _, err := o.firstFrame(o.argv, env, o.marker, ""); err != nil {
			os.RemoveAll(tmp)
			return "", nil, fmt.Errorf("warm-up: %w", err)
		}
	}
	return tmp, env, nil
}

// firstFrame runs argv until marker (and splash, when set) appear, then quits it.
func (o *opts) firstFrame(argv, env []string, marker, splash string) (ms, splashMS float64, err error) {
	t, err := startTerm(argv, env, o.rows, o.cols)
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if qerr := t.quit(); qerr != nil && err == nil {
			err = qerr
		}
	}()
	if splash != "" {
		at, _, err := t.waitFor(splash, 0, 30*time.Second)
		if err != nil {
			return 0, 0, err
		}
		splashMS = msSince(t.start, at)
	}
	at, _, err := t.waitFor(marker, 0, 30*time.Second)
	if err != nil {
		return 0, 0, err
	}
	return msSince(t.start, at), splashMS, nil
}

func runStart(args []string) error {
	var o opts
	fs := flag.NewFlagSet("start", flag.ExitOnError)
	o.register(fs)
	fresh := fs.Bool("fresh", false, "a new data directory for every console run (first start)")
	splash := fs.String("splash", "", "also time this splash text")
	if err := o.parse(fs, args); err != nil {
		return err
	}
	tmp, warm, err := o.setup(!*fresh)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	load0 := loadavg()
	var floor, console, splashes, ratios []float64
	for i := range o.runs {
		var f float64
		if o.floor != "" {
			if f, _, err = o.firstFrame([]string{o.floor}, o.environ(filepath.Join(tmp, "floor")), "pm_", ""); err != nil {
				return fmt.Errorf("floor: %w", err)
			}
			floor = append(floor, f)
		}
		env := warm
		if *fresh {
			env = o.environ(filepath.Join(tmp, fmt.Sprint("fresh", i)))
		}
		c, s, err := o.firstFrame(o.argv, env, o.marker, *splash)
		if err != nil {
			return err
		}
		console, splashes = append(console, c), append(splashes, s)
		if f > 0 {
			ratios = append(ratios, c/f)
		}
	}
	fmt.Printf("command: %s (%d rounds, %dx%d, %s)\n", strings.Join(o.argv, " "), o.runs, o.cols, o.rows, map[bool]string{true: "fresh data directory each run", false: "warm database"}[*fresh])
	fmt.Printf("load average before %s, after %s\n", load0, loadavg())
	if len(floor) > 0 {
		fmt.Printf("floor   exec → %q   %s\n", "pm_", stats(floor))
	}
	if *splash != "" {
		fmt.Printf("console exec → %q   %s\n", *splash, stats(splashes))
	}
	fmt.Printf("console exec → %q   %s\n", o.marker, stats(console))
	if len(floor) > 0 {
		fmt.Printf("ratio of medians %.2f×; per-round ratios %s\n", median(console)/median(floor), statsX(ratios))
	}
	return nil
}

func msSince(t0, t time.Time) float64 { return float64(t.Sub(t0).Microseconds()) / 1000 }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func stats(xs []float64) string {
	return fmt.Sprintf("median %.1f ms [%.1f–%.1f]", median(xs), slices.Min(xs), slices.Max(xs))
}

func statsX(xs []float64) string {
	if len(xs) == 0 {
		return "—"
	}
	return fmt.Sprintf("median %.2f× [%.2f–%.2f]", median(xs), slices.Min(xs), slices.Max(xs))
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}
