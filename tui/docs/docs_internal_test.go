package docs

import (
	"os"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// newPane returns a loaded pane (no API) showing its first page.
func newPane(t testing.TB, w, h int) *Model {
	t.Helper()
	ctx := commontest.Context(w, h, nil)
	ctx.Assets = os.DirFS("../../api")
	ctx.CacheDir = t.TempDir()
	ctx.Active = common.PaneDocs
	m := New(ctx)
	m.SetSize(w, h)
	Drive(t, m, m.Init(), m.Loaded, nil)
	return m
}

func TestSearchInPane(t *testing.T) {
	m := newPane(t, 120, 40)
	Drive(t, m, m.Update(Key("/")), nil, nil)
	if !m.search.typing || !m.Captures(Key("q")) {
		t.Fatal("search input not capturing keys")
	}
	Type(t, m, "retry-after")
	if len(m.search.hits) == 0 {
		t.Fatal("no hits while typing")
	}
	first := m.search.hits[0].Slug
	Drive(t, m, m.Update(Key("enter")), func() bool { return m.Loaded() && m.slug == first && len(m.search.matches) > 0 }, nil)
	if m.search.cur != 0 {
		t.Fatalf("current match = %d, want 0", m.search.cur)
	}
	line := m.search.matches[0].line
	if line < m.scroll || line >= m.scroll+m.viewHeight() {
		t.Fatalf("first match on line %d is not visible (scroll %d)", line, m.scroll)
	}
	if !strings.Contains(strings.ToLower(m.cur.plain[line]), "retry-after") {
		t.Fatalf("match line %q lacks the query", m.cur.plain[line])
	}
	if !strings.Contains(m.View(), "1/") {
		t.Errorf("status does not show the match position:\n%s", commontest.Plain(m.View()))
	}
	Drive(t, m, m.Update(Key("n")), nil, nil)
	if len(m.search.matches) > 1 && m.search.cur != 1 {
		t.Errorf("n: current match = %d, want 1", m.search.cur)
	}
	Drive(t, m, m.Update(Key("esc")), nil, nil)
	if m.search.query != "" || len(m.search.matches) != 0 {
		t.Error("esc did not clear the search")
	}
}

// Tab and the digits switch tabs whatever has the focus; links are
// followed with o then their number, and → / ← move between sidebar and page.
func TestDigitsAndTabAlwaysSwitchTabsLinksFollowWithO(t *testing.T) {
	m := newPane(t, 120, 40) // authentication, sidebar focus
	Drive(t, m, m.Update(Key("right")), nil, nil)
	if m.focus != focusPage {
		t.Fatal("→ did not move focus to the page")
	}
	for _, k := range []string{"1", "2", "5", "tab"} {
		if m.Captures(Key(k)) {
			t.Fatalf("%s captured with the page focused: it must switch tabs", k)
		}
	}
	if !strings.Contains(commontest.Plain(m.View()), "links o+n 1 ") {
		t.Errorf("links line missing:\n%s", commontest.Plain(m.View()))
	}
	if len(m.cur.links) < 2 {
		t.Fatalf("links = %+v", m.cur.links)
	}
	Drive(t, m, m.Update(Key("o")), nil, nil)
	if !m.Captures(Key("1")) || m.Captures(Key("ctrl+c")) {
		t.Fatal("after o the digit must go to the pane (and ctrl+c still quit)")
	}
	want, _ := m.cur.links[0].Slug()
	Drive(t, m, m.Update(Key("1")), func() bool { return m.Loaded() && m.slug == want }, nil)
	if m.linkPending || m.Captures(Key("1")) {
		t.Fatal("the link was followed but o is still pending")
	}
	// o then esc gives up; the next digit is a tab switch again.
	Drive(t, m, m.Update(Key("o")), nil, nil)
	Drive(t, m, m.Update(Key("esc")), nil, nil)
	if m.linkPending || m.Captures(Key("2")) {
		t.Fatal("esc did not cancel o")
	}
	Drive(t, m, m.Update(Key("left")), nil, nil)
	if m.focus != focusSidebar {
		t.Fatal("← did not move focus to the sidebar")
	}
}

// esc after following a link returns to the page and line it was taken
// from; with nothing to return to it goes to the sidebar, as before.
func TestEscReturnsFromAFollowedLink(t *testing.T) {
	m := newPane(t, 120, 40) // authentication
	Drive(t, m, m.Update(Key("right")), nil, nil)
	Drive(t, m, m.Update(Key("space")), nil, nil) // read on a little
	from, at := m.slug, m.scroll
	if at == 0 {
		t.Fatal("fixture: the page did not scroll")
	}
	want, _ := m.cur.links[0].Slug()
	Drive(t, m, m.Update(Key("o")), nil, nil)
	Drive(t, m, m.Update(Key("1")), func() bool { return m.Loaded() && m.slug == want }, nil)
	offered := false
	for _, b := range m.KeyMap().ShortHelp() {
		offered = offered || b.Help().Desc == "back"
	}
	if !offered {
		t.Error("the help does not offer esc back")
	}
	Drive(t, m, m.Update(Key("esc")), func() bool { return m.Loaded() && m.slug == from }, nil)
	if m.scroll != at || m.focus != focusPage {
		t.Fatalf("back at line %d (focus %v), want line %d on the page", m.scroll, m.focus, at)
	}
	Drive(t, m, m.Update(Key("esc")), nil, nil)
	if m.focus != focusSidebar {
		t.Fatal("esc with no link to return from did not go to the sidebar")
	}
}

func TestLanguageAndCopy(t *testing.T) {
	m := newPane(t, 120, 40)
	Drive(t, m, m.open("emails", "", true), m.Loaded, nil)
	if !strings.Contains(strings.Join(m.cur.plain, "\n"), "curl -X POST") {
		t.Fatal("no cURL example on the emails page")
	}
	var clip string
	Drive(t, m, m.Update(Key("l")), func() bool { return m.Loaded() && m.curKey.lang == apidocs.LangGo }, nil)
	if !strings.Contains(strings.Join(m.cur.plain, "\n"), "http.NewRequest") {
		t.Fatal("l did not switch the example to Go")
	}
	Drive(t, m, m.Update(Key("y")), nil, &clip)
	if !strings.Contains(clip, `http.NewRequest("POST", "http://127.0.0.1:8080/api/v1/emails/send"`) || !strings.Contains(clip, apidocs.PlaceholderKey) {
		t.Fatalf("clipboard = %q", clip)
	}
	// The language is remembered on another page.
	Drive(t, m, m.open("api-keys", "", true), m.Loaded, nil)
	if m.curKey.lang != apidocs.LangGo {
		t.Errorf("language reset to %v on another page", m.curKey.lang)
	}
}

func TestRenderCacheAndDebounce(t *testing.T) {
	m := newPane(t, 120, 40)
	Drive(t, m, m.open("emails", "", false), m.Loaded, nil)
	before := m.Renders
	Drive(t, m, m.open("authentication", "", false), m.Loaded, nil)
	Drive(t, m, m.open("emails", "", false), m.Loaded, nil)
	if m.Renders != before {
		t.Fatalf("switching between rendered pages rendered %d more times", m.Renders-before)
	}
	// A burst of resizes renders once, at the final width.
	for _, w := range []int{100, 101, 102, 110} {
		m.SetSize(w, 40)
	}
	if m.pageWidth() == m.curKey.width {
		t.Fatal("width unchanged")
	}
	start := m.Renders
	Drive(t, m, m.Update(common.TickMsg{}), func() bool { return m.Loaded() && m.curKey.width == m.pageWidth() }, nil)
	if got := m.Renders - start; got != 1 {
		t.Fatalf("resize burst rendered %d times, want 1", got)
	}
}

func TestOperationsInSidebar(t *testing.T) {
	m := newPane(t, 120, 40)
	Drive(t, m, m.open("api-keys", "", false), m.Loaded, nil)
	view := commontest.Plain(m.View())
	for _, want := range []string{"GETTING STARTED", "ENDPOINTS", "POST /platform/api-keys", "Changelog"} {
		if !strings.Contains(view, want) {
			t.Errorf("sidebar lacks %q:\n%s", want, view)
		}
	}
}

func TestOpenByOperation(t *testing.T) {
	m := newPane(t, 120, 40)
	Drive(t, m, m.Update(common.NavigateMsg{To: common.PaneDocs, Slug: "createApiKey"}), func() bool { return m.Loaded() && m.slug == "api-keys" }, nil)
	if !strings.Contains(m.cur.plain[m.scroll], "Create an API key") {
		t.Fatalf("not scrolled to the operation: line %d is %q", m.scroll, m.cur.plain[m.scroll])
	}
	if m.focus != focusPage {
		t.Error("navigation did not focus the page")
	}
}

func TestResizeKeepsSection(t *testing.T) {
	m := newPane(t, 160, 40)
	m.ctx.NoColor = true // notty skips syntax highlighting: 3× faster under -race
	Drive(t, m, m.open("api-keys", "create-an-api-key", true), m.Loaded, nil)
	if !strings.Contains(m.cur.plain[m.scroll], "Create an API key") {
		t.Fatalf("anchor not applied: %q", m.cur.plain[m.scroll])
	}
	m.scroll += 2
	m.SetSize(90, 40)
	Drive(t, m, m.Update(struct{}{}), func() bool { return m.Loaded() && m.curKey.width == m.pageWidth() }, nil)
	heading := -1
	for _, h := range m.cur.heads {
		if h.Line <= m.scroll {
			heading = h.Line
		}
	}
	if heading < 0 || !strings.Contains(m.cur.plain[heading], "Create an API key") {
		t.Fatalf("after resize the top line %d is not in the same section", m.scroll)
	}
}

// Space pages down the page, as in a pager (Bubble Tea names the key
// "space", so a binding on " " never matched).
func TestSpacePagesDown(t *testing.T) {
	m := newPane(t, 80, 24)
	m.focus = focusPage
	m.Update(Key("space"))
	if m.scroll != m.viewHeight()-1 {
		t.Fatalf("scroll %d after space, want %d", m.scroll, m.viewHeight()-1)
	}
}
