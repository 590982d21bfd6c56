package common

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
)

// NewInput builds a text input with a steady cursor: a blinking one would
// redraw the screen twice a second, over SSH too, while the user thinks.
func NewInput(placeholder string, limit int) textinput.Model {
	ti := textinput.New()
	ti.Placeholder = placeholder
	ti.CharLimit = limit
	ti.Prompt = ""
	s := ti.Styles()
	s.Cursor.Blink = false
	ti.SetStyles(s)
	return ti
}

// GaugeBar draws a horizontal bar of width cells filled to ratio. Without
// colour the empty part is dotted so the fill stays visible.
func GaugeBar(fill, empty lipgloss.Style, ratio float64, width int, noColor bool) string {
	ratio = min(max(ratio, 0), 1)
	n := int(ratio*float64(width) + 0.5)
	if ratio > 0 && n == 0 {
		n = 1
	}
	e := "░"
	if noColor {
		e = "·"
	}
	return fill.Render(strings.Repeat("█", n)) + empty.Render(strings.Repeat(e, width-n))
}

// Memo caches one computed value under a comparable key: the frame caches
// of the panes (a rendered block is redrawn only when what it shows
// changed). The zero value is empty.
type Memo[K comparable, V any] struct {
	key K
	val V
	ok  bool
}

// Get returns the value for key, computing it with f on a miss.
func (m *Memo[K, V]) Get(key K, f func() V) V {
	if !m.ok || m.key != key {
		m.key, m.val, m.ok = key, f(), true
	}
	return m.val
}

// Reset empties the memo.
func (m *Memo[K, V]) Reset() { *m = Memo[K, V]{} }

// Chosen is what a checklist has ticked: the names of items that are on
// in ticked, in the items' order.
func Chosen[T any](items []T, name func(T) string, ticked map[string]bool) []string {
	var out []string
	for _, it := range items {
		if n := name(it); ticked[n] {
			out = append(out, n)
		}
	}
	return out
}
