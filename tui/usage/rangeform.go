package usage

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// customForm is the dialog asking for a from–to range.
type customForm struct {
	m      *Model
	fields [2]string
	focus  int
	err    string
	errAt  int // the field err is about
}

// rangeError is a custom range refused, and the field to correct.
type rangeError struct {
	field int
	msg   string
}

func (e *rangeError) Error() string { return e.msg }

// inputLayout is how custom range times are typed.
const inputLayout = "2006-01-02 15:04"

// openForm prefills the range on screen, as it can be typed back: a
// preset ends at the close of its current bucket, after now, so its end
// is written "now".
func (m *Model) openForm() {
	now := m.now()
	from, to := now.Add(-24*time.Hour), now
	switch {
	case m.rng == models.RangeCustom && !m.from.IsZero():
		from, to = m.from, m.to
	case m.data != nil:
		from, to = m.data.From, m.data.To
	}
	loc := now.Location()
	end := to.In(loc).Format(inputLayout)
	if !to.Before(now) {
		end = "now"
	}
	m.dialogs.Push(&customForm{m: m, fields: [2]string{from.In(loc).Format(inputLayout), end}})
}

// Update implements dialog.Dialog.
func (f *customForm) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return f, nil
	}
	m, k := f.m, &f.m.ctx.Keys.Dialog
	switch {
	case common.TypesText(km):
		if printable(km.Text) && len([]rune(f.fields[f.focus])) < 32 {
			f.fields[f.focus] += km.Text
			f.err = ""
		}
	case key.Matches(km, k.Cancel):
		return nil, nil
	case key.Matches(km, k.NextField, k.PrevField, k.Down, k.Up):
		f.focus = 1 - f.focus
	case key.Matches(km, k.Accept):
		// Enter applies from either field, as the footer says; a refusal
		// moves the focus to the field to correct.
		from, to, err := parseRange(f.fields[0], f.fields[1], m.now())
		if err != nil {
			f.err, f.errAt, f.focus = err.Error(), 0, 0
			var re *rangeError
			if errors.As(err, &re) {
				f.errAt, f.focus = re.field, re.field
			}
			return f, nil
		}
		m.rng, m.from, m.to = models.RangeCustom, from, to
		return nil, m.refetch()
	case km.String() == "backspace":
		r := []rune(f.fields[f.focus])
		if len(r) > 0 {
			f.fields[f.focus] = string(r[:len(r)-1])
		}
		f.err = ""
	case km.String() == "ctrl+u":
		f.fields[f.focus] = ""
	}
	return f, nil
}

// ShortHelp implements help.KeyMap.
func (f *customForm) ShortHelp() []key.Binding { return applyHelp(&f.m.ctx.Keys.Dialog) }

// FullHelp implements help.KeyMap.
func (f *customForm) FullHelp() [][]key.Binding { return [][]key.Binding{f.ShortHelp()} }

// MaxCustomSpan is the longest custom range the pane asks for.
const MaxCustomSpan = 90 * 24 * time.Hour

// parseRange validates a typed custom range in now's location. It accepts
// "YYYY-MM-DD HH:MM", "YYYY-MM-DD" (midnight), RFC 3339 and "now". A To
// later today is read as now: what has not happened yet is not asked for.
func parseRange(fromS, toS string, now time.Time) (time.Time, time.Time, error) {
	refuse := func(field int, msg string) (time.Time, time.Time, error) {
		return time.Time{}, time.Time{}, &rangeError{field: field, msg: msg}
	}
	from, err := parseWhen(fromS, now)
	if err != nil {
		return refuse(0, "from: "+err.Error())
	}
	to, err := parseWhen(toS, now)
	if err != nil {
		return refuse(1, "to: "+err.Error())
	}
	if y, mo, d := now.Date(); to.After(now) && to.Before(time.Date(y, mo, d+1, 0, 0, 0, 0, now.Location())) {
		to = now
	}
	switch {
	case !from.Before(to):
		return refuse(1, "from must be before to")
	case to.Sub(from) < 5*time.Minute:
		return refuse(1, "the range must be at least 5 minutes")
	case to.Sub(from) > MaxCustomSpan:
		return refuse(0, "the range can be at most 90 days")
	case to.After(now.Add(time.Minute)):
		return refuse(1, "to is after today; use now or a time up to today")
	}
	return from, to, nil
}

func parseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty; use YYYY-MM-DD HH:MM")
	}
	if strings.EqualFold(s, "now") {
		return now, nil
	}
	for _, l := range []string{inputLayout, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(l, s, now.Location()); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time; use YYYY-MM-DD HH:MM", s)
}

// View implements dialog.Dialog: the box centred in w columns, below a blank line.
func (f *customForm) View(w, _ int) string {
	m := f.m
	s := m.ctx.Styles
	field := func(i int, label string) string {
		st := s.Input
		v := f.fields[i]
		if f.focus == i {
			st = s.InputFocused
			v += s.Cursor.Render("▏")
		}
		return lipgloss.JoinHorizontal(lipgloss.Center, s.Label.Render(common.Fit(label, 6)), st.Width(24).Render(v))
	}
	lines := []string{
		s.Heading.Render("Custom range"),
		s.Muted.Render("YYYY-MM-DD HH:MM, YYYY-MM-DD or now · " + m.now().Location().String()),
		s.Muted.Render("a To later today means now"),
	}
	for i, label := range []string{"From", "To"} {
		lines = append(lines, field(i, label))
		if f.err != "" && f.errAt == i {
			lines = append(lines, s.InputError.Render("✗ "+f.err))
		}
	}
	k := &m.ctx.Keys.Dialog
	lines = append(lines, s.Help.Render(k.NextField.Help().Key+" switch · "+k.Accept.Help().Key+" apply · "+k.Cancel.Help().Key+" cancel"))
	box := s.Modal.Padding(0, 2).Render(strings.Join(lines, "\n"))
	return center(box, w)
}
