package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// step is one key and the text of the frame that answers it. The markers
// are the demo database's (no webhook endpoint): run keys on it.
type step struct {
	name    string
	keys    string
	marker  string
	loading string // the pane's loading text: frames showing it are counted
}

var steps = []step{
	{"tab switch, first open: Usage (4)", "4", "Success rate", "oading"},
	{"range change 24h → 7d (t)", "t", "1-hour buckets", "oading"},
	{"tab switch, loaded: Overview (1)", "1", "Start building", ""},
	{"tab switch, loaded: Usage (4)", "4", "Success rate", "oading"},
	{"tab switch, first open: Keys (2)", "2", "PERMISSIONS", "oading"},
	{"", "/", "", ""},
	// The list is filtered in the update that echoes the key: the frame
	// with the echo is the filtered one.
	{"search keystroke (P)", "P", "/ P", ""},
	{"search keystroke (r)", "r", "/ Pr", ""},
	{"search keystroke (o)", "o", "/ Pro", ""},
	{"", "\x1b", "", ""},
	{"tab switch, first open: Webhooks (5)", "5", "endpoints ·", "oading"},
	{"tab switch, first open: Docs (3)", "3", "Every call to", "rendering"},
}

func runKeys(args []string) error {
	var o opts
	fs := flag.NewFlagSet("keys", flag.ExitOnError)
	o.register(fs)
	settle := fs.Duration("settle", 300*time.Millisecond, "pause before each key")
	if err := o.parse(fs, args); err != nil {
		return err
	}
	tmp, env, err := o.setup(true)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	load0 := loadavg()
	lat := make([][]float64, len(steps))
	loading := make([]int, len(steps))
	var floor []float64
	for range o.runs {
		if o.floor != "" {
			f, err := floorKeys(&o, filepath.Join(tmp, "floor"), *settle)
			if err != nil {
				return fmt.Errorf("floor: %w", err)
			}
			floor = append(floor, f...)
		}
		if err := consoleKeys(&o, env, *settle, lat, loading); err != nil {
			return err
		}
	}
	fmt.Printf("command: %s (%d runs, %dx%d, warm demo database)\n", strings.Join(o.argv, " "), o.runs, o.cols, o.rows)
	fmt.Printf("load average before %s, after %s\n", load0, loadavg())
	if len(floor) > 0 {
		fmt.Printf("%-40s %s\n", "floor: key → its echo", stats(floor))
	}
	for i, s := range steps {
		if s.name == "" {
			continue
		}
		extra := ""
		if s.loading != "" {
			extra = fmt.Sprintf("; most loading frames in a run: %d", loading[i])
		}
		fmt.Printf("%-40s %s%s\n", s.name, stats(lat[i]), extra)
	}
	return nil
}

func floorKeys(o *opts, dir string, settle time.Duration) ([]float64, error) {
	t, err := startTerm([]string{o.floor}, o.environ(dir), o.rows, o.cols)
	if err != nil {
		return nil, err
	}
	defer func() { _ = t.quit() }()
	if _, _, err := t.waitFor("pm_", 0, 30*time.Second); err != nil {
		return nil, err
	}
	var out []float64
	for i := 1; i <= 3; i++ {
		pause(settle)
		from := t.mark()
		at0 := t.send("x")
		at, _, err := t.waitFor(fmt.Sprintf("n=%d", i), from, 5*time.Second)
		if err != nil {
			return nil, err
		}
		out = append(out, msSince(at0, at))
	}
	return out, nil
}

func consoleKeys(o *opts, env []string, settle time.Duration, lat [][]float64, loading []int) error {
	t, err := startTerm(o.argv, env, o.rows, o.cols)
	if err != nil {
		return err
	}
	defer func() { _ = t.quit() }()
	if _, _, err := t.waitFor(o.marker, 0, 30*time.Second); err != nil {
		return err
	}
	for i, s := range steps {
		pause(settle)
		from := t.mark()
		at0 := t.send(s.keys)
		if s.marker == "" {
			continue
		}
		at, end, err := t.waitFor(s.marker, from, 10*time.Second)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		lat[i] = append(lat[i], msSince(at0, at))
		if s.loading != "" {
			loading[i] = max(loading[i], t.readsWith(s.loading, from, end))
		}
	}
	return nil
}

// pause waits d plus up to a frame (1/60 s) at random: keys then arrive at
// any point of the renderer's frame clock, not just after a frame (300 ms
// is exactly 18 frames).
func pause(d time.Duration) {
	time.Sleep(d + rand.N(time.Second/60))
}
