package keys

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/styles"
)

// paint is a style reduced to its escape prefix and suffix. lipgloss measures
// and pads on every Render; list rows are plain fixed-width text, so wrapping
// them in precomputed sequences keeps a 10,000-key frame well under budget.
type paint struct{ pre, suf string }

func (p paint) wrap(s string) string { return p.pre + s + p.suf }

func paintOf(st lipgloss.Style) paint {
	out := st.Render("X")
	i := strings.Index(out, "X")
	if i < 0 {
		return paint{}
	}
	return paint{pre: out[:i], suf: out[i+1:]}
}

// paints are the list's row styles, rebuilt when the styles change (light/dark).
type paints struct {
	src                                  *styles.Styles
	selected, accent                     paint
	active, revoked, expired, grace, hdr paint
}

func (m *Model) paints() *paints {
	st := m.ctx.Styles
	if m.pc.src != st {
		m.pc = paints{
			src:      st,
			selected: paintOf(st.Selected),
			accent:   paintOf(st.Accent),
			active:   paintOf(st.Status("active")),
			revoked:  paintOf(st.Status("revoked")),
			expired:  paintOf(st.Status("expired")),
			grace:    paintOf(st.Status("grace")),
			hdr:      paintOf(st.TableHeader),
		}
	}
	return &m.pc
}

func (p *paints) status(kind string) paint {
	switch kind {
	case "active":
		return p.active
	case "revoked":
		return p.revoked
	case "grace":
		return p.grace
	}
	return p.expired
}
