// Package styles is the console's single set of lipgloss styles, named by
// purpose. Colours are declared once per background (light/dark); Bubble Tea's
// renderer downsamples them to the terminal's profile (truecolor, 256, 16 or
// none under NO_COLOR), so no code here branches on the profile.
package styles

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Palette holds the colours for one background.
type Palette struct {
	Fg, Muted, Subtle, Accent, Border   color.Color
	Success, Warning, Danger, Info      color.Color
	BadgeFg, BadgeBg, SelectedBg, TabBg color.Color
	Series                              []color.Color
}

// NewPalette is the palette for a dark or a light background (dark is the
// default when the terminal never answers). Each purpose's light and dark
// colours stand side by side, so they are changed together.
func NewPalette(dark bool) Palette {
	ld := lipgloss.LightDark(dark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	accent, success := c("#3355CC", "#7D9CFF"), c("#008700", "#5FD787")
	warning, danger := c("#AF8700", "#FFD75F"), c("#D70000", "#FF5F5F")
	return Palette{
		Fg:         c("#1C1C1C", "#E6E6E6"),
		Muted:      c("#6C6C6C", "#8A8A8A"),
		Subtle:     c("#A8A8A8", "#5A5A5A"),
		Accent:     accent,
		Border:     c("#BCBCBC", "#444444"),
		Success:    success,
		Warning:    warning,
		Danger:     danger,
		Info:       c("#0087AF", "#5FD7FF"),
		BadgeFg:    c("#FFFFFF", "#1C1C1C"),
		BadgeBg:    c("#5F5FAF", "#AFAFFF"),
		SelectedBg: c("#DADAFF", "#303A5A"),
		TabBg:      c("#E4E4E4", "#303030"),
		Series:     []color.Color{accent, success, danger, warning},
	}
}

// Styles is built once per background and shared through the console context.
type Styles struct {
	Dark    bool
	Palette Palette

	Base, Muted, Subtle, Bold, Accent lipgloss.Style
	Success, Warning, Danger, Info    lipgloss.Style
	Title, Heading, Label, Value      lipgloss.Style
	Badge, BadgeMuted, SandboxBadge   lipgloss.Style
	Selected, Cursor                  lipgloss.Style
	TabActive, TabInactive, TabBar    lipgloss.Style
	StatusBar, StatusKey, StatusValue lipgloss.Style
	Box, Modal, Card                  lipgloss.Style
	Code, Key, Secret                 lipgloss.Style
	Input, InputFocused, InputError   lipgloss.Style
	Banner, BannerOffline             lipgloss.Style
	Help, HelpKey, HelpDesc           lipgloss.Style
	TableHeader, TableCell            lipgloss.Style
	Match                             lipgloss.Style
}

// New builds the styles for a dark or light background.
func New(dark bool) *Styles {
	p := NewPalette(dark)
	s := &Styles{Dark: dark, Palette: p}
	n := lipgloss.NewStyle
	s.Base = n().Foreground(p.Fg)
	s.Muted = n().Foreground(p.Muted)
	s.Subtle = n().Foreground(p.Subtle)
	s.Bold = n().Bold(true)
	s.Accent = n().Foreground(p.Accent)
	s.Success = n().Foreground(p.Success)
	s.Warning = n().Foreground(p.Warning)
	s.Danger = n().Foreground(p.Danger)
	s.Info = n().Foreground(p.Info)
	s.Title = n().Bold(true).Foreground(p.Accent)
	s.Heading = n().Bold(true).Foreground(p.Fg)
	s.Label = n().Foreground(p.Muted)
	s.Value = n().Foreground(p.Fg)
	s.Badge = n().Foreground(p.BadgeFg).Background(p.BadgeBg).Padding(0, 1)
	s.BadgeMuted = n().Foreground(p.Fg).Background(p.TabBg).Padding(0, 1)
	s.SandboxBadge = n().Bold(true).Foreground(p.BadgeFg).Background(p.Warning).Padding(0, 1)
	s.Selected = n().Background(p.SelectedBg).Bold(true)
	s.Cursor = n().Foreground(p.Accent).Bold(true)
	s.TabActive = n().Bold(true).Foreground(p.Accent).Underline(true).Padding(0, 1)
	s.TabInactive = n().Foreground(p.Muted).Padding(0, 1)
	s.TabBar = n().BorderStyle(lipgloss.NormalBorder()).BorderBottom(true).BorderForeground(p.Border)
	s.StatusBar = n().Foreground(p.Muted)
	s.StatusKey = n().Foreground(p.Muted)
	s.StatusValue = n().Foreground(p.Fg)
	s.Box = n().Border(lipgloss.RoundedBorder()).BorderForeground(p.Border).Padding(0, 1)
	s.Card = s.Box
	s.Modal = n().Border(lipgloss.RoundedBorder()).BorderForeground(p.Accent).Padding(1, 2)
	s.Code = n().Foreground(p.Info)
	s.Key = n().Foreground(p.Accent).Bold(true)
	s.Secret = n().Foreground(p.Warning).Bold(true)
	s.Input = n().Border(lipgloss.NormalBorder()).BorderForeground(p.Border)
	s.InputFocused = n().Border(lipgloss.NormalBorder()).BorderForeground(p.Accent)
	s.InputError = n().Foreground(p.Danger)
	s.Banner = n().Bold(true).Foreground(p.BadgeFg).Background(p.Info).Padding(0, 1)
	s.BannerOffline = n().Bold(true).Foreground(p.BadgeFg).Background(p.Danger).Padding(0, 1)
	s.Help = n().Foreground(p.Muted)
	s.HelpKey = n().Foreground(p.Fg)
	s.HelpDesc = n().Foreground(p.Muted)
	s.TableHeader = n().Bold(true).Foreground(p.Muted)
	s.TableCell = n().Foreground(p.Fg)
	s.Match = n().Reverse(true)
	return s
}

// Status returns the style for a key or endpoint status word.
func (s *Styles) Status(status string) lipgloss.Style {
	switch status {
	case "active", "success", "delivered", "healthy", "ok":
		return s.Success
	case "revoked", "failed", "disabled", "failing", "error":
		return s.Danger
	case "paused", "pending_retry", "warning", "grace":
		return s.Warning
	default:
		return s.Muted
	}
}

// HTTPStatus returns the style for a response status class: 2xx success,
// 429 (rate limited) info, other 4xx warning, 5xx danger.
func (s *Styles) HTTPStatus(code int) lipgloss.Style {
	switch {
	case code >= 200 && code < 300:
		return s.Success
	case code == 429:
		return s.Info
	case code >= 400 && code < 500:
		return s.Warning
	case code >= 500:
		return s.Danger
	default:
		return s.Muted
	}
}

// Level returns the style for a usage ratio: danger at ≥95%, warning at ≥80%.
func (s *Styles) Level(ratio float64) lipgloss.Style {
	switch {
	case ratio >= 0.95:
		return s.Danger
	case ratio >= 0.80:
		return s.Warning
	default:
		return s.Success
	}
}

// Monochrome is s for NO_COLOR: every colour goes (the renderer drops them
// anyway), so whatever told a selection apart by colour alone — a
// highlighted row, the active tab or chip, a focused field — uses reverse
// video or bold instead, as less and mutt do.
func (s *Styles) Monochrome() *Styles {
	m := *s
	n := lipgloss.NewStyle
	m.Selected = n().Reverse(true).Bold(true)
	m.Cursor = n().Bold(true)
	m.Badge = n().Reverse(true).Padding(0, 1)
	m.BadgeMuted = n().Padding(0, 1)
	m.TabActive = n().Reverse(true).Bold(true).Padding(0, 1)
	m.InputFocused = m.InputFocused.Bold(true)
	m.Key = n().Bold(true)
	m.Match = n().Reverse(true)
	m.Accent = n().Bold(true)
	m.Title = n().Bold(true)
	return &m
}
