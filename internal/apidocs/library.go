// Package apidocs is the API reference as data: the library (embedded,
// cached and live copies), search, code examples and the Markdown
// preparation shared by the Docs tab and `pmdev docs`. It imports neither
// Bubble Tea nor glamour; rendering lives in apidocs/render.
package apidocs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// Where a Library came from.
const (
	SourceLive     = "live"
	SourceCache    = "cache"
	SourceEmbedded = "embedded"
)

// Library is one complete copy of the reference: the index and every page.
type Library struct {
	Index models.DocsIndex
	Pages map[string]string // slug → Markdown
	// Source is SourceLive, SourceCache or SourceEmbedded.
	Source string
	// FetchedAt is when the copy was fetched from an API (zero for embedded).
	FetchedAt time.Time
	// Origin is the API the copy came from ("" for embedded).
	Origin string

	// index holds each page's visible text (lowercased) per language of
	// code examples; it is built lazily by Search on the update loop.
	index map[searchKey]map[string]string
}

type searchKey struct {
	lang Lang
	base string
}

// prepare resets the search index (the pages changed).
func (l *Library) prepare() *Library {
	l.index = nil
	return l
}

// Body is the page as the pane renders it: without its leading H1 when
// that repeats the title, which the pane's header already shows.
func (l *Library) Body(slug string) string {
	md := l.Pages[slug]
	r, _ := l.Ref(slug)
	return dropTitle(md, r.Title)
}

func dropTitle(md, title string) string {
	off := 0
	for off < len(md) {
		end := strings.IndexByte(md[off:], '\n')
		if end < 0 {
			end = len(md) - off
		}
		line := strings.TrimSpace(md[off : off+end])
		switch {
		case line == "" || strings.HasPrefix(line, "<!--"):
			off += end + 1
			continue
		case strings.HasPrefix(line, "# ") && strings.EqualFold(strings.TrimSpace(line[2:]), strings.TrimSpace(title)):
			return md[:off] + md[min(len(md), off+end+1):]
		}
		return md
	}
	return md
}

var htmlComment = regexp.MustCompile(`(?s)<!--.*?-->`)

// StripComments removes HTML comments (generator notes, operation markers)
// outside code blocks, and the blank lines they leave, for Markdown meant
// for people: `pmdev docs | less`.
func StripComments(md string) string {
	lines := strings.Split(md, "\n")
	out := lines[:0]
	fence, inComment := false, false
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if !inComment && strings.HasPrefix(t, "```") {
			fence = !fence
		}
		if fence {
			out = append(out, l)
			continue
		}
		if inComment {
			if _, after, ok := strings.Cut(l, "-->"); ok {
				inComment, l = false, after
			} else {
				continue
			}
		}
		l = htmlComment.ReplaceAllString(l, "")
		if before, _, ok := strings.Cut(l, "<!--"); ok {
			inComment, l = true, before
		}
		if strings.TrimSpace(l) == "" && t != "" {
			continue // the line held only a comment
		}
		if strings.TrimSpace(l) == "" && len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
			continue // no double blank lines where a comment was
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// Ref returns the index entry of slug.
func (l *Library) Ref(slug string) (models.DocPageRef, bool) {
	for _, r := range l.Index.Pages {
		if r.Slug == slug {
			return r, true
		}
	}
	return models.DocPageRef{}, false
}

// Label says which copy this is, for `pmdev docs`: the longest of Labels.
func (l *Library) Label() string { return l.Labels()[0] }

// Labels says which copy this is, from the longest to the shortest form,
// so a narrow header can keep the version and date rather than cut them.
func (l *Library) Labels() []string {
	full := "v" + l.Index.Version
	short := "v" + strings.SplitN(l.Index.Version, "+", 2)[0] // without build metadata
	switch l.Source {
	case SourceLive:
		host := strings.TrimPrefix(strings.TrimPrefix(l.Origin, "https://"), "http://")
		return []string{"live · " + full + " · " + host, "live · " + short, "live"}
	case SourceCache:
		at := l.FetchedAt.Local()
		return []string{
			"offline copy · " + full + " · fetched " + at.Format("2 Jan 2006 15:04"),
			"offline · " + short + " · " + at.Format("2 Jan 15:04"),
			"offline · " + at.Format("2 Jan 15:04"),
			"offline",
		}
	}
	day := l.Index.UpdatedAt.Format("2 Jan 2006")
	return []string{"built-in copy · " + full + " · " + day, "built-in · " + short + " · " + day, "built-in · " + short, "built-in"}
}

// APIDir returns the api directory inside assets: main may hand over either
// the embedded root (holding api/) or the api dir itself.
func APIDir(assets fs.FS) fs.FS {
	if assets == nil {
		return nil
	}
	if _, err := fs.Stat(assets, "docs/index.json"); err == nil {
		return assets
	}
	if sub, err := fs.Sub(assets, "api"); err == nil {
		if _, err := fs.Stat(sub, "docs/index.json"); err == nil {
			return sub
		}
	}
	return assets
}

// LoadEmbedded reads the copy bundled in the binary (the api dir).
func LoadEmbedded(assets fs.FS) (*Library, error) {
	api := APIDir(assets)
	if api == nil {
		return nil, errors.New("no docs are bundled in this build")
	}
	raw, err := fs.ReadFile(api, "docs/index.json")
	if err != nil {
		return nil, fmt.Errorf("bundled docs: %w", err)
	}
	lib := &Library{Pages: map[string]string{}, Source: SourceEmbedded}
	if err := json.Unmarshal(raw, &lib.Index); err != nil {
		return nil, fmt.Errorf("bundled docs index: %w", err)
	}
	files := map[string]string{}
	_ = fs.WalkDir(api, "docs", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			files[strings.TrimSuffix(path.Base(p), ".md")] = p
		}
		return nil
	})
	for _, r := range lib.Index.Pages {
		b, err := fs.ReadFile(api, files[r.Slug])
		if err != nil {
			return nil, fmt.Errorf("bundled docs: page %s: %w", r.Slug, err)
		}
		lib.Pages[r.Slug] = string(b)
	}
	return lib.prepare(), nil
}

// cacheFile is the one file of the offline copy under CacheDir.
func cacheFile(cacheDir string) string { return filepath.Join(cacheDir, "docs", "docs.json") }

type cacheDoc struct {
	Version   string            `json:"version"`
	FetchedAt time.Time         `json:"fetched_at"`
	Origin    string            `json:"origin"`
	Index     models.DocsIndex  `json:"index"`
	Pages     map[string]string `json:"pages"`
}

// LoadCache reads the newest copy seen from an API; (nil, nil) when none.
func LoadCache(cacheDir string) (*Library, error) {
	if cacheDir == "" {
		return nil, nil
	}
	b, err := os.ReadFile(cacheFile(cacheDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c cacheDoc
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("docs cache %s: %w", cacheFile(cacheDir), err)
	}
	for _, r := range c.Index.Pages {
		if _, ok := c.Pages[r.Slug]; !ok {
			return nil, fmt.Errorf("docs cache %s: page %s missing", cacheFile(cacheDir), r.Slug)
		}
	}
	lib := &Library{Index: c.Index, Pages: c.Pages, Source: SourceCache, FetchedAt: c.FetchedAt, Origin: c.Origin}
	return lib.prepare(), nil
}

// FileWriter writes a whole file atomically (the console's common.Files).
type FileWriter interface {
	WriteFile(name string, data []byte, perm fs.FileMode) error
}

// SaveCache writes lib as the offline copy through files, which writes
// atomically; without files (over SSH) nothing is written.
func SaveCache(files FileWriter, cacheDir string, lib *Library) error {
	if cacheDir == "" || files == nil {
		return nil
	}
	b, err := json.Marshal(cacheDoc{Version: lib.Index.Version, FetchedAt: lib.FetchedAt, Origin: lib.Origin, Index: lib.Index, Pages: lib.Pages})
	if err != nil {
		return err
	}
	return files.WriteFile(cacheFile(cacheDir), b, 0o600)
}

// Resolve finds a page for a name that is not a slug: an operationId
// ("sendEmail") or an operation's summary as a slug ("send-an-email"). It
// returns the page and the anchor of the operation's heading.
func (l *Library) Resolve(name string) (slug, anchor string, ok bool) {
	for _, r := range l.Index.Pages {
		for _, op := range Operations(l.Pages[r.Slug]) {
			a := SlugText(op.Summary)
			if strings.EqualFold(op.ID, name) || a == name || SlugText(op.ID) == name {
				return r.Slug, a, true
			}
		}
	}
	return "", "", false
}

// Operations lists the operations documented on a page, in order.
func Operations(md string) []models.DocOperation {
	var out []models.DocOperation
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "<!-- pmdev:op ") {
			if op, ok := models.ParseDocOpMarker(l); ok {
				out = append(out, op)
			}
		}
	}
	return out
}

// Link is one link of a page, numbered from 1 in order of appearance.
type Link struct {
	N      int
	Text   string
	Target string
}

// Slug returns the docs page a link points to ("" for an external link),
// and the in-page anchor if any.
func (l Link) Slug() (slug, anchor string) {
	t := l.Target
	if strings.Contains(t, "://") || strings.HasPrefix(t, "mailto:") {
		return "", ""
	}
	t, anchor, _ = strings.Cut(t, "#")
	t = strings.TrimPrefix(strings.TrimSuffix(t, ".md"), "/docs/")
	return path.Base("/" + t), anchor
}

var linkRe = regexp.MustCompile(`(!?)\[([^\]\n]+)\]\(([^)\s]+)\)`)

// numberLinks replaces every link outside code with "text [n]" and returns
// the numbered list; the same target keeps one number.
func numberLinks(md string) (string, []Link) {
	var links []Link
	byTarget := map[string]int{}
	lines := strings.Split(md, "\n")
	fence := false
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
			continue
		}
		if fence || !strings.Contains(line, "](") {
			continue
		}
		lines[i] = replaceOutsideCode(line, func(seg string) string {
			return linkRe.ReplaceAllStringFunc(seg, func(m string) string {
				sub := linkRe.FindStringSubmatch(m)
				if sub[1] == "!" {
					return sub[2]
				}
				n, ok := byTarget[sub[3]]
				if !ok {
					n = len(links) + 1
					byTarget[sub[3]] = n
					links = append(links, Link{N: n, Text: sub[2], Target: sub[3]})
				}
				return fmt.Sprintf("%s [%d]", sub[2], n)
			})
		})
	}
	return strings.Join(lines, "\n"), links
}

// replaceOutsideCode applies f to the parts of line outside `code spans`.
func replaceOutsideCode(line string, f func(string) string) string {
	parts := strings.Split(line, "`")
	for i := 0; i < len(parts); i += 2 {
		parts[i] = f(parts[i])
	}
	return strings.Join(parts, "`")
}

// Hit is one search result.
type Hit struct {
	Slug, Title, Section string
	TitleMatch           bool
	Count                int    // occurrences in the page's visible text
	Snippet              string // text around the first occurrence
}

// Search is SearchAs with cURL examples against the public API.
func (l *Library) Search(query string) []Hit {
	return l.SearchAs(query, LangCurl, "https://api.penguinmails.com")
}

// SearchAs finds query (case-insensitive) in every page as the reader sees
// it (code examples in lang, links numbered, no markup or comments): pages
// whose title matches come first, then pages by number of matches. Counts
// agree with the pane's in-page counter, which searches the render the
// same way (see flatten).
func (l *Library) SearchAs(query string, lang Lang, baseURL string) []Hit {
	q := Collapse(strings.ToLower(query))
	if q == "" || l == nil {
		return nil
	}
	k := searchKey{lang, baseURL}
	if l.index[k] == nil {
		if l.index == nil {
			l.index = map[searchKey]map[string]string{}
		}
		idx := map[string]string{}
		for _, r := range l.Index.Pages {
			prepared, _ := Prepare(l.Body(r.Slug), lang, baseURL)
			idx[r.Slug] = strings.ToLower(visibleText(prepared))
		}
		l.index[k] = idx
	}
	var hits []Hit
	for _, r := range l.Index.Pages {
		text := l.index[k][r.Slug]
		h := Hit{Slug: r.Slug, Title: r.Title, Section: r.Section, TitleMatch: strings.Contains(strings.ToLower(r.Title), q), Count: strings.Count(text, q)}
		if at := strings.Index(text, q); at >= 0 {
			from, to := max(0, at-30), min(len(text), at+len(q)+30)
			h.Snippet = strings.ToValidUTF8(text[from:to], "")
		}
		if h.TitleMatch || h.Count > 0 {
			hits = append(hits, h)
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].TitleMatch != hits[j].TitleMatch {
			return hits[i].TitleMatch
		}
		return hits[i].Count > hits[j].Count
	})
	return hits
}

var (
	tableRule = regexp.MustCompile(`^\|?(\s*:?-{3,}:?\s*\|?)+$`)
	listMark  = regexp.MustCompile(`^(?:[-*+]|>)\s+`)
)

// visibleText is the text of prepared Markdown as a reader sees it, words
// separated by single spaces: no comments, fences, heading or list markers,
// table rules, code ticks or emphasis markers.
func visibleText(md string) string {
	var b strings.Builder
	fence := false
	for _, l := range strings.Split(md, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "```"):
			fence = !fence
			continue
		case fence:
			t = strings.ReplaceAll(t, "|", " ") // as flatten does to table borders
		case strings.HasPrefix(t, "<!--"), tableRule.MatchString(t), t == "---" || t == "***":
			continue
		default:
			if m := mdHeading.FindStringSubmatch(t); m != nil {
				t = m[2]
			}
			t = listMark.ReplaceAllString(t, "")
			t = InlineText(strings.ReplaceAll(t, "|", " "))
		}
		b.WriteString(t)
		b.WriteByte(' ')
	}
	return Collapse(b.String())
}
