package cli

import (
	"io"
	"os"

	"github.com/charmbracelet/x/term"
)

// streams are the standard streams of one run and what they are connected
// to. Execute reads them from the process; tests build them (a terminal
// being just a flag there).
type streams struct {
	in                    io.Reader
	out, err              io.Writer
	inTTY, outTTY, errTTY bool
	width                 int               // stdout's columns when a terminal, else 0
	size                  func() (w, h int) // stdout's size now (0, 0 unknown)
	getenv                func(string) string
	environ               []string
}

// systemStreams describes stdin and the given stdout and stderr.
func systemStreams(stdout, stderr io.Writer) *streams {
	s := &streams{in: os.Stdin, out: stdout, err: stderr, getenv: os.Getenv, environ: os.Environ(),
		size: func() (int, int) { return 0, 0 }}
	s.inTTY = term.IsTerminal(os.Stdin.Fd())
	if f, ok := stdout.(*os.File); ok && term.IsTerminal(f.Fd()) {
		s.outTTY = true
		s.size = func() (int, int) {
			w, h, err := term.GetSize(f.Fd())
			if err != nil {
				return 0, 0
			}
			return w, h
		}
		s.width, _ = s.size()
	}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(f.Fd()) {
		s.errTTY = true
	}
	return s
}

// interactive reports whether a question can be asked and answered.
func (s *streams) interactive() bool { return s.inTTY && s.errTTY }

// hint writes a line for people to stderr, only when stderr is a terminal:
// scripts reading stdout (and logging stderr) get data, not advice.
func (s *streams) hint(line string) {
	if s.errTTY {
		_, _ = io.WriteString(s.err, line+"\n")
	}
}

// termSize is stdout's size now; tests without a size get their width.
func (s *streams) termSize() (w, h int) {
	if s.size == nil {
		return s.width, 0
	}
	return s.size()
}
