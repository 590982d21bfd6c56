// Package docs is the Docs pane: the API reference, browsable offline, with
// code examples and a "Try it" request runner. Pages come from the live API,
// else the newest copy cached on disk, else the copy embedded in the binary.
package docs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
	"github.com/penguinmails/pmdev/tui/component/scroll"
)

// ResizeDebounce is how long the width must stay unchanged before a page is
// re-rendered for it.
const ResizeDebounce = 150 * time.Millisecond

type focus int

const (
	focusSidebar focus = iota
	focusPage
)

// Model is the Docs pane.
type Model struct {
	ctx *common.Context

	lib      *apidocs.Library // the copy on screen
	cached   *apidocs.Library // the offline copy, kept as a fallback
	loadErr  string
	liveErr  string
	fetching bool
	reqID    uint64
	pending  string // slug asked for before the library loaded

	items   []item
	cursor  int
	sideOff int
	focus   focus
	// linkPending: o was pressed and the next digit follows that link.
	linkPending bool

	slug   string
	anchor string // heading to scroll to once the page is rendered
	// back holds the places left by following links, newest last; restore
	// is the one to return to once its page is rendered.
	back    []place
	restore *place
	scroll  int
	cur     *rendered
	curKey  renderKey
	cache   map[renderKey]*rendered
	flight  map[renderKey]bool
	// Renders counts glamour runs (tests and benchmarks read it).
	Renders int
	spin    spinner.Model
	lang    apidocs.Lang

	width, height int
	resizeSeq     uint64
	resizeWait    bool // a debounce tick is scheduled
	resizeNeeded  bool

	search searchState
	// dialogs holds the Try it screen; it has the keyboard when open.
	dialogs dialog.Stack
	tryReq  uint64
	// tempKey is the sandbox test key minted for Try it; memory only, shown masked.
	tempKey string
}

// New returns the Docs pane.
func New(ctx *common.Context) *Model {
	m := &Model{
		ctx:    ctx,
		cache:  map[renderKey]*rendered{},
		flight: map[renderKey]bool{},
		spin:   spinner.New(spinner.WithSpinner(spinner.Dot)),
		width:  ctx.Width,
		height: ctx.Height,
	}
	m.search.input = common.NewInput("", 0)
	m.search.input.Prompt = "/"
	m.search.input.Placeholder = "search all pages"
	m.search.input.CharLimit = 100
	return m
}

// Pane messages; all are Targeted so the root hands them to this pane only.
type (
	localMsg struct {
		common.Result
		embedded, cached *apidocs.Library
		errs             []string
	}
	liveMsg struct {
		common.Result
		lib         *apidocs.Library
		notModified bool
		err         error
	}
	renderedMsg struct {
		common.Result
		key renderKey
		r   *rendered
	}
	resizeMsg struct {
		common.Result
		seq uint64
	}
)

func (m *Model) result() common.Result { return common.Result{Pane: common.PaneDocs} }

// Init loads the embedded and cached copies off the update loop.
func (m *Model) Init() tea.Cmd {
	assets, cacheDir := m.ctx.Assets, m.ctx.CacheDir
	res := m.result()
	return func() tea.Msg {
		msg := localMsg{Result: res}
		emb, err := apidocs.LoadEmbedded(assets)
		if err != nil {
			msg.errs = append(msg.errs, err.Error())
		}
		msg.embedded = emb
		c, err := apidocs.LoadCache(cacheDir)
		if err != nil {
			msg.errs = append(msg.errs, err.Error())
		}
		msg.cached = c
		return msg
	}
}

// fetchLive asks the API for its docs. Pages are downloaded only when the
// version differs from a copy we already hold; a successful fetch is written
// to the cache as the newest copy seen.
func (m *Model) fetchLive() tea.Cmd {
	c := m.ctx.Client
	if c == nil || m.fetching {
		return nil
	}
	m.fetching = true
	m.reqID++
	res := common.Result{Pane: common.PaneDocs, ReqID: m.reqID}
	have := []*apidocs.Library{m.lib, m.cached}
	cacheDir, now := m.ctx.CacheDir, m.now()
	var files apidocs.FileWriter
	if m.ctx.Files != nil {
		files = m.ctx.Files // a nil interface inside would not read as nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		lib, err := apidocs.FetchLive(ctx, c, have...)
		if err == client.ErrNotModified {
			return liveMsg{Result: res, notModified: true}
		}
		if err != nil {
			return liveMsg{Result: res, err: err}
		}
		lib.FetchedAt = now
		_ = apidocs.SaveCache(files, cacheDir, lib) // best effort: the copy on screen is fine either way
		return liveMsg{Result: res, lib: lib}
	}
}

func (m *Model) now() time.Time {
	if m.ctx.Now != nil {
		return m.ctx.Now()
	}
	return time.Now()
}

// Update implements common.Pane.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	if m.resizeNeeded && !m.resizeWait {
		m.resizeWait = true
		seq, res := m.resizeSeq, m.result()
		cmds = append(cmds, tea.Tick(ResizeDebounce, func(time.Time) tea.Msg { return resizeMsg{Result: res, seq: seq} }))
	}
	cmds = append(cmds, m.update(msg))
	return tea.Batch(cmds...)
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case localMsg:
		return m.handleLocal(msg)
	case liveMsg:
		return m.handleLive(msg)
	case renderedMsg:
		return m.handleRendered(msg)
	case resizeMsg:
		if msg.seq != m.resizeSeq {
			m.resizeWait = false // a newer resize came in; wait again
			return nil
		}
		m.resizeWait, m.resizeNeeded = false, false
		return m.ensureRender()
	case spinner.TickMsg:
		if t, ok := dialog.Find[*tryIt](&m.dialogs); len(m.flight) == 0 && (!ok || !t.sending) {
			return nil // nothing to animate: let the tick chain stop
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return cmd
	case common.RefreshMsg:
		return m.fetchLive()
	case common.OfflineMsg:
		if !msg.Offline && m.lib != nil && m.lib.Source != apidocs.SourceLive {
			return m.fetchLive() // the API is back: look for a newer copy
		}
		return nil
	case common.NavigateMsg:
		if msg.Slug != "" {
			return m.open(msg.Slug, "", true)
		}
		return nil
	case tea.BackgroundColorMsg:
		return m.ensureRender()
	case tryMsg:
		if t, ok := dialog.Find[*tryIt](&m.dialogs); ok {
			return t.handle(m, msg)
		}
		return nil
	case tea.PasteMsg:
		if m.ctx.Active != common.PaneDocs {
			return nil
		}
		if cmd, ok := m.dialogs.Input(msg); ok {
			return cmd
		}
		if m.search.typing {
			var cmd tea.Cmd
			m.search.input, cmd = m.search.input.Update(msg)
			m.runSearch()
			return cmd
		}
		return nil
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.MouseWheelMsg:
		if m.dialogs.Empty() && m.cur != nil {
			switch msg.Mouse().Button {
			case tea.MouseWheelUp:
				m.scroll -= 3
			case tea.MouseWheelDown:
				m.scroll += 3
			}
			m.clampScroll()
		}
	}
	return nil
}

func (m *Model) handleLocal(msg localMsg) tea.Cmd {
	m.cached = msg.cached
	// The cache is the newest copy seen from an API, unless this binary
	// bundles a newer one (an upgrade while offline).
	switch {
	case msg.cached != nil && (msg.embedded == nil || !msg.embedded.Index.UpdatedAt.After(msg.cached.Index.UpdatedAt)):
		m.lib = msg.cached
	case msg.embedded != nil:
		m.lib = msg.embedded
	}
	if m.lib == nil {
		m.loadErr = strings.Join(msg.errs, "; ")
		if m.loadErr == "" {
			m.loadErr = "no docs available"
		}
	}
	m.rebuildItems()
	slug := m.pending
	if slug == "" && m.lib != nil && len(m.lib.Index.Pages) > 0 {
		slug = m.lib.Index.Pages[0].Slug
	}
	m.pending = ""
	return tea.Batch(m.open(slug, "", false), m.fetchLive())
}

func (m *Model) handleLive(msg liveMsg) tea.Cmd {
	if msg.ReqID != m.reqID {
		return nil
	}
	m.fetching = false
	switch {
	case msg.err != nil:
		m.liveErr = common.ErrorText(msg.err, m.ctx.Me.Role)
		return nil
	case msg.notModified:
		m.liveErr = ""
		if m.lib != nil && m.lib.Source == apidocs.SourceLive {
			m.lib.FetchedAt = m.now()
		}
		return nil
	}
	m.liveErr = ""
	m.cached = msg.lib
	if m.lib == nil {
		m.lib = msg.lib
		m.rebuildItems()
		return m.open(m.lib.Index.Pages[0].Slug, "", false)
	}
	m.lib = msg.lib
	m.rebuildItems()
	if _, ok := m.lib.Pages[m.slug]; !ok && len(m.lib.Index.Pages) > 0 {
		return m.open(m.lib.Index.Pages[0].Slug, "", false)
	}
	return m.ensureRender()
}

// pageWidth is the width the page is rendered for.
func (m *Model) pageWidth() int {
	return max(20, m.width-m.sidebarWidth()-3)
}

func (m *Model) sidebarWidth() int {
	// Wide enough on a wide screen to tell operations of one path apart.
	return min(44, max(16, m.width/4))
}

// viewHeight is the number of page lines visible.
func (m *Model) viewHeight() int { return max(1, m.height-3) }

func (m *Model) style() string {
	dark := m.ctx.Styles == nil || m.ctx.Styles.Dark
	return apidocs.StyleFor(dark, m.ctx.NoColor)
}

func (m *Model) keyFor(slug string) renderKey {
	k := renderKey{slug: slug, width: m.pageWidth(), style: m.style(), lang: -1}
	if m.lib != nil {
		k.version = m.lib.Index.Version
		if strings.Contains(m.lib.Pages[slug], "<!-- pmdev:op ") {
			k.lang = m.lang
		}
	}
	return k
}

// ensureRender shows the current page from the cache or starts rendering it.
func (m *Model) ensureRender() tea.Cmd {
	if m.lib == nil || m.slug == "" {
		return nil
	}
	k := m.keyFor(m.slug)
	if r, ok := m.cache[k]; ok {
		m.show(k, r)
		return nil
	}
	if m.resizeNeeded && m.cur != nil && m.curKey.slug == m.slug {
		return nil // the debounce tick will render at the final width
	}
	if m.flight[k] {
		return nil
	}
	m.flight[k] = true
	md, base, res := m.lib.Body(m.slug), m.apiURL(), m.result()
	render := func() tea.Msg {
		return renderedMsg{Result: res, key: k, r: renderPage(md, k.width, k.style, max(k.lang, 0), base)}
	}
	return tea.Batch(render, m.spin.Tick)
}

func (m *Model) apiURL() string {
	if m.ctx.APIURL != "" {
		return m.ctx.APIURL
	}
	return "https://api.penguinmails.com"
}

func (m *Model) handleRendered(msg renderedMsg) tea.Cmd {
	delete(m.flight, msg.key)
	m.Renders++
	m.cache[msg.key] = msg.r
	if m.lib != nil && msg.key == m.keyFor(m.slug) {
		m.show(msg.key, msg.r)
	}
	return nil
}

// show puts a render on screen, keeping the reading position across
// re-renders of the same page.
func (m *Model) show(k renderKey, r *rendered) {
	same := m.cur != nil && m.curKey.slug == k.slug
	if same && m.curKey != k && len(m.cur.lines) > 0 {
		// Width or language changed: stay in the same section, at the same
		// fraction of it (lines reflow differently in prose and code).
		m.scroll = r.translate(m.cur, m.scroll)
	}
	m.cur, m.curKey = r, k
	if m.anchor != "" {
		if l := r.heading(m.anchor); l >= 0 {
			m.scroll = l
		}
		m.anchor = ""
	}
	if p := m.restore; p != nil && p.slug == k.slug {
		m.scroll, m.restore = p.scroll, nil
	}
	m.search.computeMatches(r)
	m.syncHitCount()
	if m.search.jumpPending {
		m.search.jumpPending = false
		if len(m.search.matches) > 0 { // never chain to another page from here
			m.jumpMatch(m.search.jumpDir)
		}
	}
	m.clampScroll()
}

// open switches to a page (and an optional anchor). toPage moves focus to it.
func (m *Model) open(slug, anchor string, toPage bool) tea.Cmd {
	if m.lib == nil {
		m.pending = slug
		return nil
	}
	if _, ok := m.lib.Pages[slug]; !ok {
		s, a, ok := m.lib.Resolve(slug)
		if !ok {
			return common.Status(fmt.Sprintf("no docs page %q", common.Sanitize(slug)), common.LevelWarning)
		}
		slug, anchor = s, a
	}
	if slug != m.slug {
		m.slug, m.scroll = slug, 0
		m.rebuildItems()
	}
	m.restore = nil // a pending return is given up for any other page
	m.anchor = anchor
	if toPage {
		m.focus = focusPage
	}
	m.selectCurrent()
	cmd := m.ensureRender()
	if m.cur != nil && m.curKey.slug == slug && m.anchor != "" {
		if l := m.cur.heading(m.anchor); l >= 0 {
			m.scroll = l
			m.anchor = ""
			m.clampScroll()
		}
	}
	return cmd
}

func (m *Model) clampScroll() {
	if m.cur == nil {
		m.scroll = 0
		return
	}
	m.scroll = scroll.Clamp(m.scroll, len(m.cur.lines), m.viewHeight())
}

// SetSize implements common.Pane. A width change re-renders the page after
// ResizeDebounce without a new size; the old render is shown meanwhile.
func (m *Model) SetSize(width, height int) {
	oldPW := m.pageWidth()
	m.width, m.height = width, height
	m.dialogs.SetSize(width, height)
	if m.pageWidth() != oldPW && m.cur != nil {
		m.resizeSeq++
		m.resizeNeeded = true
	}
	m.clampScroll()
}

// Title implements common.Pane.
func (m *Model) Title() string { return "Docs" }

// Captures implements common.Pane: every key while typing (search, Try it)
// and the key after o, which picks a link. Otherwise tab and the digits
// switch tabs, as in every pane.
func (m *Model) Captures(msg tea.KeyPressMsg) bool {
	if !m.dialogs.Empty() || m.search.typing || m.linkPending {
		return msg.String() != "ctrl+c" // typing must not quit, but ctrl+c still does
	}
	return false
}
