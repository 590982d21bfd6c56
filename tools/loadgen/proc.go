package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat
// (100 on every Linux this runs on).
const clockTicks = 100

// procStat reads /proc/PID/stat: the command name and the fields after
// it (utime is f[11], stime f[12], cutime and cstime f[13] and f[14]).
func procStat(pid string) (comm string, f []string, err error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return "", nil, err
	}
	s := string(b)
	open, shut := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || shut < open || len(s) < shut+2 {
		return "", nil, fmt.Errorf("/proc/%s/stat: unexpected %q", pid, s)
	}
	return s[open+1 : shut], strings.Fields(s[shut+2:]), nil
}

// ticks sums clock-tick fields of /proc/PID/stat as CPU time.
func ticks(fields []string) time.Duration {
	var n int64
	for _, v := range fields {
		t, _ := strconv.ParseInt(v, 10, 64)
		n += t
	}
	return time.Duration(n) * time.Second / clockTicks
}

// cpuOf is the CPU time (user + system) a process has used so far.
func cpuOf(pid int) (time.Duration, error) {
	_, f, err := procStat(strconv.Itoa(pid))
	if err != nil {
		return 0, err
	}
	return ticks(f[11:13]), nil
}

// loadAvg is the 1-minute load average.
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// server is one pmdev server process.
type server struct {
	cmd   *exec.Cmd
	url   string
	db    string
	token string
	hc    *http.Client
	start time.Time
	log   *bytes.Buffer
	done  chan error // the exit status, once stopped
}

// startServer runs bin server on db at addr (no waiting).
func startServer(bin, db, addr string, extra ...string) (*server, error) {
	args := append([]string{"server", "--db", dbArg(db), "--addr", addr}, extra...)
	cmd := exec.Command(bin, args...)
	var log bytes.Buffer
	cmd.Stderr = &log
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+filepath.Dir(db), "XDG_CONFIG_HOME="+filepath.Dir(db), "XDG_CACHE_HOME="+filepath.Dir(db))
	cmd.Env = append(cmd.Env, serverEnv()...)
	s := &server{cmd: cmd, url: "http://" + addr, db: db, log: &log,
		hc: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512}}}
	s.start = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// waitHealthy polls /healthz until it answers 200 and returns when it did.
func (s *server) waitHealthy(limit time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		res, err := s.hc.Get(s.url + "/healthz")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				return time.Since(s.start), nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("server not healthy after %s:\n%s", limit, s.log.String())
}

// stop sends SIGTERM and waits for the exit.
func (s *server) stop() error {
	if s.done != nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	s.done = make(chan error, 1)
	go func() { s.done <- s.cmd.Wait() }()
	select {
	case err := <-s.done:
		return err
	case <-time.After(60 * time.Second):
		_ = s.cmd.Process.Kill()
		return errors.New("server did not stop within 60s")
	}
}

func (s *server) cpu() time.Duration {
	d, _ := cpuOf(s.cmd.Process.Pid)
	return d
}

// waitIdle returns once the server spends under 1% of a core for 500 ms
// (the usage writer has caught up), and how long that took.
func (s *server) waitIdle(limit time.Duration) time.Duration {
	t0 := time.Now()
	last := s.cpu()
	for time.Since(t0) < limit {
		time.Sleep(500 * time.Millisecond)
		c := s.cpu()
		if c-last <= 5*time.Millisecond {
			return time.Since(t0) - 500*time.Millisecond
		}
		last = c
	}
	return time.Since(t0)
}

// settle waits until the work a load phase left behind is done: the usage
// writer holds nothing pending, a whole coarse write cycle (10 s: minute
// rows of a busy aggregate and the coarser rollups wait that long) has
// passed since the load ended, and the process is idle. It returns the
// time from the load's end until then. The idle ticks in between are
// counted against the phase, which only makes the ratio worse.
func (s *server) settle(loadEnd time.Time, limit time.Duration) time.Duration {
	for time.Since(loadEnd) < limit && s.pending() > 0 {
		time.Sleep(100 * time.Millisecond)
	}
	if d := 11*time.Second - time.Since(loadEnd); d > 0 {
		time.Sleep(d)
	}
	s.waitIdle(limit)
	return time.Since(loadEnd)
}

// pending reads pmdev_usage_pending from /metrics (0 when unreadable).
func (s *server) pending() int {
	res, err := s.hc.Get(s.url + "/metrics")
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "pmdev_usage_pending "); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// call does one API request with the admin token; out may be nil.
func (s *server) call(ctx context.Context, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(ctx, method, s.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+s.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := s.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return res.StatusCode, err
		}
	}
	if res.StatusCode >= 300 && out != nil {
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return res.StatusCode, nil
}

// addUser runs `pmdev server users add` and returns the token.
func addUser(bin, db, tenant string) (string, error) {
	cmd := exec.Command(bin, "server", "users", "add", "--db", dbArg(db), "--email", "bench@"+strings.ToLower(tenant)+".test",
		"--role", "admin", "--tenant", tenant, "--plan", "business")
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+filepath.Dir(db), "XDG_CONFIG_HOME="+filepath.Dir(db))
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("users add: %v: %s", err, ee.Stderr)
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// startWithUser adds an admin of tenant to db and serves db at o.addr() with
// that admin's token, once healthy within limit (stopped if not).
func startWithUser(o opts, db, tenant string, limit time.Duration) (*server, error) {
	tok, err := addUser(o.bin, db, tenant)
	if err != nil {
		return nil, err
	}
	s, err := startServer(o.bin, db, o.addr())
	if err != nil {
		return nil, err
	}
	if _, err := s.waitHealthy(limit); err != nil {
		s.stop()
		return nil, err
	}
	s.token = tok
	return s, nil
}

// createKeys makes n keys through the API and returns their plaintexts;
// rateLimit 0 is the plan's.
func (s *server) createKeys(n, rateLimit int) ([]string, error) {
	keys := make([]string, 0, n)
	for i := range n {
		var out struct {
			Plaintext string `json:"api_key"`
		}
		req := map[string]any{"name": fmt.Sprintf("load %05d", i), "permissions": []string{"read_campaigns"}}
		if rateLimit > 0 {
			req["rate_limit"] = rateLimit
		}
		if _, err := s.call(context.Background(), "POST", "/api/v1/platform/api-keys", req, &out); err != nil {
			return nil, err
		}
		keys = append(keys, out.Plaintext)
	}
	return keys, nil
}

// dbSize is the size of the database file and its WAL (with -pg: of its schema).
func dbSize(db string) int64 {
	if pgBase != "" {
		return pgSize(db)
	}
	var n int64
	for _, p := range []string{db, db + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func mkdirFor(path string) error { return os.MkdirAll(filepath.Dir(path), 0o700) }

// perfRun is a perf record of the machine, or nothing.
type perfRun struct{ cmd *exec.Cmd }

// perfRecord starts recording every process's stacks (the server's, and
// PostgreSQL's with -pg: perf report --comm pmdev or --comm postgres) into
// prefix-phase.data; nothing when prefix is empty.
func perfRecord(prefix, phase string) perfRun {
	if prefix == "" {
		return perfRun{}
	}
	cmd := exec.Command("perf", "record", "-q", "-F", "997", "-g", "-a", "-o", prefix+"-"+phase+".data")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		return perfRun{}
	}
	time.Sleep(200 * time.Millisecond) // attached before the phase starts
	return perfRun{cmd}
}

func (p perfRun) stop() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	_ = p.cmd.Wait()
}
