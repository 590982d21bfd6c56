package keys

import (
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// Keys needing attention carry a marker that survives without colour
// ("!!" high, "! " medium); the filter and the sort asked of the server
// are the ones shown, and the loaded rows follow them meanwhile.
func TestAttentionMarkedFilteredAndSorted(t *testing.T) {
	m := testModel(t, 120, 40, fakeKeys(20))
	v := commontest.Plain(m.View())
	for _, k := range m.all {
		mark, _ := attentionMark(&k)
		line := ""
		for _, l := range strings.Split(v, "\n") {
			if strings.Contains(l, k.MaskedKey) {
				line = l
			}
		}
		if line == "" {
			continue // below the window
		}
		if got := string([]rune(line)[2:4]); strings.TrimSpace(got) != strings.TrimSpace(mark) {
			t.Errorf("%s: marker %q, want %q", k.Name, got, mark)
		}
	}
	press(m, "f", "f", "f", "f")
	if q := m.listQuery(); !q.Attention || q.Status != "" || m.filter != filterAttention {
		t.Fatalf("needs-attention filter asks %+v", q)
	}
	if len(m.rows) == 0 {
		t.Fatal("no key needs attention in the fixture")
	}
	for _, r := range m.rows {
		if !m.all[r].NeedsAttention {
			t.Errorf("filter shows %s, which needs nothing", m.all[r].Name)
		}
	}
	press(m, "f") // back to All
	press(m, "s", "s", "s", "s")
	if q := m.listQuery(); q.Sort != "attention" {
		t.Fatalf("attention sort asks %q", q.Sort)
	}
	for i := 1; i < len(m.rows); i++ {
		if attentionRank(&m.all[m.rows[i-1]]) < attentionRank(&m.all[m.rows[i]]) {
			t.Fatalf("row %d ranks below row %d", i-1, i)
		}
	}
	if !strings.Contains(commontest.Plain(m.View()), "sort Attention") {
		t.Error("title does not name the sort")
	}
}

// The Requests sort is the server's (no "of the loaded" caveat), even
// while only some pages are loaded.
func TestRequestsSortIsTheServers(t *testing.T) {
	m := testModel(t, 120, 40, fakeKeys(perPage))
	m.next, m.total = []string{"cursor-2"}, 900
	press(m, "s", "s")
	if q := m.listQuery(); q.Sort != "requests" {
		t.Fatalf("sort asks %q", q.Sort)
	}
	if v := commontest.Plain(m.View()); !strings.Contains(v, "sort Requests") || strings.Contains(v, "loaded") {
		t.Fatalf("title: %s", strings.SplitN(v, "\n", 2)[0])
	}
}

// The Overview's "N keys need attention" opens the list on them, worst first.
func TestAttentionNavigationFiltersTheList(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(20))
	press(m, "enter") // details open: the list must show again
	m.Update(common.NavigateMsg{To: common.PaneKeys, Action: "attention"})
	if m.filter != filterAttention || sortParams[m.sort] != "attention" || !m.dialogs.Empty() {
		t.Fatalf("filter %d sort %d dialogs open %v", m.filter, m.sort, !m.dialogs.Empty())
	}
	if !strings.Contains(commontest.Plain(m.View()), "status Needs attention · sort Attention") {
		t.Fatal("title does not say what is shown")
	}
}

// Each recommendation's key opens the existing dialog that resolves it;
// the edit form opens at the field in question and esc closes it there.
func TestRecommendationKeysOpenTheirDialogs(t *testing.T) {
	m := testModel(t, 160, 48, fakeKeys(10))
	detailsFixture(m)
	v := commontest.Plain(m.View())
	for _, want := range []string{"Recommendations", "!! high    Holds full_access", "i  edit its IP allow-list", "!  medium  120 days old", "R  rotate it"} {
		if !strings.Contains(v, want) {
			t.Errorf("details lack %q", want)
		}
	}
	press(m, "i")
	if w := m.wiz(); w == nil || !w.Editing() || w.Step() != stepIPs {
		t.Fatal("i does not open the edit form at the IP allow-list")
	}
	press(m, "esc")
	if m.wiz() != nil || m.detailsD() == nil {
		t.Fatal("esc does not close the form back to the details")
	}
	press(m, "t")
	if w := m.wiz(); w == nil || w.Step() != stepExpiry {
		t.Fatal("t does not open the edit form at the expiry")
	}
	press(m, "esc", "R")
	if m.rotateD() == nil {
		t.Fatal("R does not open the rotation")
	}
	press(m, "esc", "D")
	if m.revokeD() == nil {
		t.Fatal("D does not open the revocation")
	}
}

// A key without advice says so, so an empty section is not a failed load.
func TestNoRecommendationsSaysSo(t *testing.T) {
	keys := fakeKeys(3)
	keys[0].Recommendations, keys[0].NeedsAttention = []models.KeyRecommendation{}, false
	m := testModel(t, 160, 48, keys)
	press(m, "enter")
	if v := commontest.Plain(m.View()); !strings.Contains(v, "nothing to advise for this key") || strings.Contains(v, "Hygiene") {
		t.Fatal("a key without advice is not said to be fine")
	}
}

// Search words may each match a different column.
func TestSearchWordsMatchAcrossColumns(t *testing.T) {
	m := testModel(t, 120, 40, fakeKeys(30))
	m.search.SetValue("test send")
	m.rebuild()
	if len(m.rows) == 0 {
		t.Fatal("nothing found")
	}
	for _, r := range m.rows {
		k := &m.all[r]
		if k.Environment != models.EnvTest || !strings.Contains(strings.Join(k.Permissions, " "), "send") {
			t.Errorf("%q matched %s (%s, %v)", "test send", k.Name, k.Environment, k.Permissions)
		}
	}
}

// Search finds what the row shows: the visible key prefix, a permission
// badge, the environment and the status, besides the name and id.
func TestSearchMatchesTheVisibleRow(t *testing.T) {
	keys := fakeKeys(12)
	keys[3].MaskedKey = "pm_live_PEu…x1y2"
	m := testModel(t, 120, 40, keys)
	for _, c := range []struct {
		q    string
		want func(k *models.APIKey) bool
	}{
		{"PEu", func(k *models.APIKey) bool { return k.MaskedKey == "pm_live_PEu…x1y2" }},
		{"send", func(k *models.APIKey) bool { return strings.Contains(strings.Join(k.Permissions, " "), "send") }},
		{"revoked", func(k *models.APIKey) bool { return k.Status == models.KeyRevoked }},
		{"live", func(k *models.APIKey) bool { return true }},
	} {
		m.search.SetValue(c.q)
		m.rebuild()
		if len(m.rows) == 0 {
			t.Fatalf("%q found nothing", c.q)
		}
		for _, r := range m.rows {
			if !c.want(&m.all[r]) {
				t.Errorf("%q matched %s (%s)", c.q, m.all[r].Name, m.all[r].MaskedKey)
			}
		}
	}
	m.search.SetValue("PEu")
	m.rebuild()
	commontest.Golden(t, m.View())
}
