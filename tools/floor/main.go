// Command floor is the floor the console is measured against: the smallest
// Bubble Tea v2 program. It draws one line holding the marker "pm_", shows
// each key pressed ("key x n=1"), and quits on q or ctrl+c. BENCHMARKS.md
// reports pmdev's start-up and key latencies as ratios to this program's,
// measured in the same run:
//
//	go build -o floor ./tools/floor
//	go run ./tools/ptybench start -floor ./floor -- ./pmdev --sandbox-traffic=false
package main

import (
	"fmt"
	"os"

	tea "charm.land/bubbletea/v2"
)

type model struct {
	last string
	n    int
}

func (model) Init() tea.Cmd { return nil }

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		if s := k.String(); s == "q" || s == "ctrl+c" {
			return m, tea.Quit
		}
		m.last, m.n = k.String(), m.n+1
	}
	return m, nil
}

func (m model) View() tea.View {
	if m.n == 0 {
		return tea.NewView("floor pm_ ready")
	}
	return tea.NewView(fmt.Sprintf("floor pm_ ready key %s n=%d", m.last, m.n))
}

func main() {
	if _, err := tea.NewProgram(model{}).Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
