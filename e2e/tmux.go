// Package e2e drives the real pmdev binary in tmux. Tests in this package
// share one binary, built by TestMain (see BuildBinary), and the helpers
// below: Start a session (or StartCommand for any program, e.g. ssh),
// SendKeys, WaitFor text, Capture the screen, WaitExit for the status.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// binEnv carries the binary's path from TestMain to the tests.
const binEnv = "PMDEV_E2E_BIN"

// ExitMarker is printed in the pane when the program exits: "PMDEV_EXITED <status>".
const ExitMarker = "PMDEV_EXITED"

// BuildBinary builds the module's main package into dir and records its path
// for Start and Binary. Call it from TestMain.
func BuildBinary(dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "pmdev")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, os.Setenv(binEnv, bin)
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the test directory")
		}
		dir = parent
	}
}

// Binary is the path of the pmdev binary TestMain built.
func Binary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv(binEnv)
	if bin == "" {
		t.Fatal("no binary: call e2e.BuildBinary from TestMain")
	}
	return bin
}

// Session is one program (pmdev, or ssh running it remotely) in its own tmux server.
type Session struct {
	t      testing.TB
	socket string
	// Home holds the session's XDG data/config/cache dirs.
	Home string
	// Redact, when set, hides its matches (secrets) in the screens that
	// failed waits print.
	Redact *regexp.Regexp
}

// Width and Height are the default terminal size of a session.
const (
	Width  = 120
	Height = 40
)

// Start runs pmdev with args in a fresh tmux server (private socket) at
// Width×Height. XDG_DATA_HOME, XDG_CONFIG_HOME and XDG_CACHE_HOME point into
// a temp dir unless env sets them; env adds or overrides variables. The
// session is killed when the test ends. Tests are skipped when tmux is
// missing, except under CI=true where that is a failure.
func Start(t testing.TB, args []string, env map[string]string) *Session {
	t.Helper()
	return StartIn(t, "", args, env)
}

// StartIn is Start with the program's working directory set to dir (files it
// writes there, like .env, land in dir); "" keeps the test's directory.
func StartIn(t testing.TB, dir string, args []string, env map[string]string) *Session {
	t.Helper()
	requireTmux(t)
	return startIn(t, dir, append([]string{Binary(t)}, args...), env)
}

// StartCommand runs any command (argv[0] looked up in PATH, e.g. ssh) in a
// fresh tmux server with the same environment and helpers as Start.
func StartCommand(t testing.TB, argv []string, env map[string]string) *Session {
	t.Helper()
	requireTmux(t)
	return startIn(t, "", argv, env)
}

func requireTmux(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is required in CI")
		}
		t.Skip("tmux not installed")
	}
}

func startIn(t testing.TB, dir string, argv []string, env map[string]string) *Session {
	t.Helper()
	home := t.TempDir()
	vars := map[string]string{
		"XDG_DATA_HOME":   filepath.Join(home, "data"),
		"XDG_CONFIG_HOME": filepath.Join(home, "config"),
		"XDG_CACHE_HOME":  filepath.Join(home, "cache"),
		"HOME":            home,
		"TERM":            "xterm-256color",
		"COLORTERM":       "truecolor",
	}
	for k, v := range env {
		vars[k] = v
	}
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)
	cmdline := []string{"env", "-u", "NO_COLOR", "-u", "PENGUINMAILS_API_URL", "-u", "PENGUINMAILS_TOKEN", "-u", "PMDEV_CONFIG"}
	for _, k := range names {
		cmdline = append(cmdline, k+"="+vars[k])
	}
	cmdline = append(cmdline, argv...)
	// The shell reports the exit status on screen (tmux's own pane status is
	// not reliable) and keeps the pane open for the final capture.
	script := shellJoin(cmdline) + "; echo " + ExitMarker + " $?; sleep 600"

	s := &Session{t: t, socket: fmt.Sprintf("pmdev-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()), Home: home}
	newSession := []string{"new-session", "-d", "-s", "pmdev", "-x", fmt.Sprint(Width), "-y", fmt.Sprint(Height)}
	if dir != "" {
		newSession = append(newSession, "-c", dir)
	}
	s.tmux(append(newSession, "sh", "-c", script)...)
	// Keep the pane at the requested size even without a client attached.
	s.tmux("set-option", "-t", "pmdev", "window-size", "manual")
	// Accept OSC 52 from the program into tmux's buffer, as a desktop
	// terminal would put it on the clipboard (see Clipboard).
	s.tmux("set-option", "-s", "set-clipboard", "on")
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *Session) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// SendKeys types keys with tmux send-keys: literal text ("2", "q") or tmux
// key names ("Enter", "Tab", "BTab", "Escape", "Up", "C-c").
func (s *Session) SendKeys(keys ...string) {
	s.t.Helper()
	s.tmux(append([]string{"send-keys", "-t", "pmdev"}, keys...)...)
}

// Capture returns the visible screen as plain text.
func (s *Session) Capture() string {
	s.t.Helper()
	return s.tmux("capture-pane", "-p", "-t", "pmdev")
}

// CaptureANSI returns the screen with its colour and attribute sequences.
func (s *Session) CaptureANSI() string {
	s.t.Helper()
	return s.tmux("capture-pane", "-p", "-e", "-t", "pmdev")
}

// WaitFor polls the screen until it contains text and returns that screen;
// it fails the test with the last screen after timeout.
func (s *Session) WaitFor(text string, timeout time.Duration) string {
	s.t.Helper()
	return s.waitUntil(func(screen string) bool { return strings.Contains(screen, text) }, timeout, "for "+fmt.Sprintf("%q", text))
}

// WaitUntil polls until ok accepts the screen and returns that screen; what
// names the condition in the failure message.
func (s *Session) WaitUntil(what string, timeout time.Duration, ok func(screen string) bool) string {
	s.t.Helper()
	return s.waitUntil(ok, timeout, "for "+what)
}

// WaitMatch polls the screen until re matches and returns that screen.
func (s *Session) WaitMatch(re *regexp.Regexp, timeout time.Duration) string {
	s.t.Helper()
	return s.waitUntil(re.MatchString, timeout, "for /"+re.String()+"/")
}

// WaitGone polls until text is no longer on the screen.
func (s *Session) WaitGone(text string, timeout time.Duration) string {
	s.t.Helper()
	return s.waitUntil(func(screen string) bool { return !strings.Contains(screen, text) }, timeout, fmt.Sprintf("for %q to go", text))
}

func (s *Session) waitUntil(ok func(string) bool, timeout time.Duration, what string) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	var screen string
	for {
		screen = s.Capture()
		if ok(screen) {
			return screen
		}
		if time.Now().After(deadline) {
			if s.Redact != nil {
				screen = s.Redact.ReplaceAllString(screen, "[redacted]")
			}
			s.t.Fatalf("waited %v %s; screen:\n%s", timeout, what, screen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var exitRe = regexp.MustCompile(ExitMarker + ` (\d+)`)

// WaitExit waits for the program to end and returns its exit status; it
// fails the test with the last screen after timeout.
func (s *Session) WaitExit(timeout time.Duration) int {
	s.t.Helper()
	screen := s.WaitMatch(exitRe, timeout)
	n, _ := strconv.Atoi(exitRe.FindStringSubmatch(screen)[1])
	return n
}

// Clipboard is tmux's newest paste buffer: what the program last copied
// with OSC 52 ("" when nothing was copied yet).
func (s *Session) Clipboard() string {
	out, err := exec.Command("tmux", "-L", s.socket, "show-buffer").Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// Resize changes the terminal size (the program gets a window-size event).
func (s *Session) Resize(w, h int) {
	s.t.Helper()
	s.tmux("resize-window", "-t", "pmdev", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h))
}

// shellJoin quotes words for sh -c.
func shellJoin(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}
