package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/creack/pty"
)

// term runs a program in a pseudo-terminal and keeps the screen it drew
// after every read (see screen). It answers the queries a terminal answers
// (background colour, cursor position) so the program does not wait for them.
type term struct {
	cmd   *exec.Cmd
	pty   *os.File
	start time.Time

	mu     sync.Mutex
	cond   *sync.Cond
	scr    *screen
	reads  []read // one per read from the pty: roughly one frame each
	closed bool
}

type read struct {
	at   time.Time
	text string // the screen after it
}

func startTerm(argv []string, env []string, rows, cols int) (*term, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	t := &term{cmd: cmd, scr: newScreen(rows, cols)}
	t.cond = sync.NewCond(&t.mu)
	t.start = time.Now()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: uint16(rows), Cols: uint16(cols)})
	if err != nil {
		return nil, err
	}
	t.pty = f
	go t.readLoop()
	return t, nil
}

func (t *term) readLoop() {
	buf := make([]byte, 64*1024)
	for {
		n, err := t.pty.Read(buf)
		now := time.Now()
		if n > 0 {
			raw := buf[:n]
			if bytes.Contains(raw, []byte("\x1b]11;?")) {
				_, _ = t.pty.WriteString("\x1b]11;rgb:0000/0000/0000\x1b\\")
			}
			if bytes.Contains(raw, []byte("\x1b[6n")) {
				_, _ = t.pty.WriteString("\x1b[1;1R")
			}
			t.mu.Lock()
			t.scr.write(raw)
			t.reads = append(t.reads, read{at: now, text: t.scr.text()})
			t.cond.Broadcast()
			t.mu.Unlock()
		}
		if err != nil {
			t.mu.Lock()
			t.closed = true
			t.cond.Broadcast()
			t.mu.Unlock()
			return
		}
	}
}

// mark is the number of reads so far: a point in the screen's history.
func (t *term) mark() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.reads)
}

var errTimeout = errors.New("timed out")

// waitFor waits until marker is on screen after the reads before from and
// returns when the read that put it there arrived, and that read's index.
// The marker must not be on screen at from already.
func (t *term) waitFor(marker string, from int, timeout time.Duration) (time.Time, int, error) {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() { t.mu.Lock(); t.cond.Broadcast(); t.mu.Unlock() })
	defer timer.Stop()
	t.mu.Lock()
	defer t.mu.Unlock()
	if from > 0 && strings.Contains(t.reads[from-1].text, marker) {
		return time.Time{}, 0, fmt.Errorf("%q is on screen before the key", marker)
	}
	for i := from; ; {
		for ; i < len(t.reads); i++ {
			if strings.Contains(t.reads[i].text, marker) {
				return t.reads[i].at, i, nil
			}
		}
		screen := t.scr.text()
		if t.closed {
			return time.Time{}, 0, fmt.Errorf("%q: the program ended; its screen:\n%s", marker, screen)
		}
		if time.Now().After(deadline) {
			return time.Time{}, 0, fmt.Errorf("%q: %w; the screen:\n%s", marker, errTimeout, screen)
		}
		t.cond.Wait()
	}
}

// readsWith counts the reads from index from to index to (exclusive) after
// which the screen held s.
func (t *term) readsWith(s string, from, to int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, r := range t.reads[from:to] {
		if strings.Contains(r.text, s) {
			n++
		}
	}
	return n
}

func (t *term) send(keys string) time.Time {
	now := time.Now()
	_, _ = t.pty.WriteString(keys)
	return now
}

// quit types q and waits for the exit, killing the program after 5 s.
func (t *term) quit() error {
	_, _ = t.pty.WriteString("q")
	done := make(chan error, 1)
	go func() { done <- t.cmd.Wait() }()
	select {
	case err := <-done:
		_ = t.pty.Close()
		return err
	case <-time.After(5 * time.Second):
		_ = t.cmd.Process.Kill()
		<-done
		_ = t.pty.Close()
		return errors.New("did not quit on q within 5 s: killed")
	}
}
