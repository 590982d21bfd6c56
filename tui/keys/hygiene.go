package keys

import (
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// Key hygiene as the server advises it: the list's attention marker, the
// recommendations atop the details' Security section, and the keys that
// act on them (the existing rotate, revoke and edit dialogs).

// attentionRank is 2 for a key with high advice, 1 for medium, else 0
// (the server's attention sort).
func attentionRank(k *models.APIKey) int {
	r := 0
	for _, rec := range k.Recommendations {
		switch rec.Severity {
		case models.SeverityHigh:
			r = max(r, 2)
		case models.SeverityMedium:
			r = max(r, 1)
		}
	}
	return r
}

// attentionMark is the list's marker of a key needing attention: "!!"
// for high advice, "! " for medium, blank otherwise; kind styles it.
func attentionMark(k *models.APIKey) (mark, kind string) {
	switch attentionRank(k) {
	case 2:
		return "!!", "revoked"
	case 1:
		return "! ", "grace"
	}
	return "", "expired"
}

// severityMark is a recommendation's marker and severity word, the same
// without colour.
func severityMark(sev string) string {
	switch sev {
	case models.SeverityHigh:
		return "!! high  "
	case models.SeverityMedium:
		return "!  medium"
	}
	return "·  low   "
}

// matchesWords reports whether every word is in hay (the row as shown).
func matchesWords(hay string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// actionKey is the key that acts on a recommendation, what it does, and
// that in a word or two.
func (m *Model) actionKey(action string) (b key.Binding, what, short string) {
	k := &m.ctx.Keys.Keys
	switch action {
	case models.ActionRotate:
		return k.Rotate, "rotate it", "rotate"
	case models.ActionRevoke:
		return k.Revoke, "revoke it", "revoke"
	case models.ActionSetAllowedIPs:
		return k.AllowList, "edit its IP allow-list", "allow-list"
	case models.ActionSetExpiry:
		return k.Expiry, "set an expiry date", "expiry"
	case models.ActionUseLiveKey:
		return k.Create, "create a live key", "live key"
	case models.ActionFindCaller:
		return k.Usage, "its refused requests in Usage; the addresses are under Recent client IPs", "refused requests"
	}
	return key.Binding{}, "", ""
}

// recommendationLines are the advice atop the Security section.
func (m *Model) recommendationLines(k *models.APIKey, width int) []string {
	st := m.ctx.Styles
	out := []string{"  " + st.Label.Render("Recommendations")}
	if len(k.Recommendations) == 0 {
		return append(out, "    "+st.Success.Render("✓ nothing to advise for this key"))
	}
	for _, r := range k.Recommendations {
		style := st.Muted
		switch r.Severity {
		case models.SeverityHigh:
			style = st.Danger
		case models.SeverityMedium:
			style = st.Warning
		}
		mark := severityMark(r.Severity)
		text := common.WrapWords(common.Sanitize(r.Message), max(20, width-16))
		for i, l := range strings.Split(text, "\n") {
			if i == 0 {
				out = append(out, "    "+style.Render(mark)+"  "+l)
			} else {
				out = append(out, "               "+l)
			}
		}
		if b, what, _ := m.actionKey(r.Action); what != "" {
			out = append(out, "               "+st.Key.Render(b.Help().Key)+st.Muted.Render("  "+what))
		}
	}
	return out
}
