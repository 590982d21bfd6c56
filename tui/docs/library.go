package docs

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

	text, lower map[string]string // searchable text per slug (see prepare)
}

// prepare builds the search text: the pages without metadata comments.
func (l *Library) prepare() *Library {
	l.text, l.lower = map[string]string{}, map[string]string{}
	for slug, md := range l.Pages {
		lines := strings.Split(md, "\n")
		kept := lines[:0]
		for _, line := range lines {
			if !strings.HasPrefix(line, "<!--") {
				kept = append(kept, line)
			}
		}
		t := strings.Join(kept, "\n")
		l.text[slug], l.lower[slug] = t, strings.ToLower(t)
	}
	return l
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

// Label says which copy this is, for the pane's header and `pmdev docs`.
func (l *Library) Label() string {
	switch l.Source {
	case SourceLive:
		return fmt.Sprintf("v%s · live from %s", l.Index.Version, l.Origin)
	case SourceCache:
		return fmt.Sprintf("v%s · offline copy from %s", l.Index.Version, l.FetchedAt.Local().Format("2006-01-02 15:04"))
	}
	return fmt.Sprintf("v%s · built-in copy of %s", l.Index.Version, l.Index.UpdatedAt.Format("2006-01-02"))
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

// SaveCache writes lib as the offline copy, atomically.
func SaveCache(cacheDir string, lib *Library) error {
	if cacheDir == "" {
		return nil
	}
	p := cacheFile(cacheDir)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(cacheDoc{Version: lib.Index.Version, FetchedAt: lib.FetchedAt, Origin: lib.Origin, Index: lib.Index, Pages: lib.Pages})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), "docs-*.tmp")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// resolve finds a page for a name that is not a slug: an operationId
// ("sendEmail") or an operation's summary as a slug ("send-an-email"). It
// returns the page and the anchor of the operation's heading.
func (l *Library) resolve(name string) (slug, anchor string, ok bool) {
	for _, r := range l.Index.Pages {
		for _, op := range Operations(l.Pages[r.Slug]) {
			a := slugText(op.Summary)
			if strings.EqualFold(op.ID, name) || a == name || slugText(op.ID) == name {
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
	Count                int    // occurrences in the body
	Snippet              string // the first matching line, trimmed
}

// Search finds query (case-insensitive) in every page: pages whose title
// matches come first, then pages by number of body matches.
func (l *Library) Search(query string) []Hit {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" || l == nil {
		return nil
	}
	if l.lower == nil {
		l.prepare()
	}
	var hits []Hit
	for _, r := range l.Index.Pages {
		body, lower := l.text[r.Slug], l.lower[r.Slug]
		if len(body) != len(lower) {
			body = lower // case folding changed lengths; show the folded text
		}
		h := Hit{Slug: r.Slug, Title: r.Title, Section: r.Section, TitleMatch: strings.Contains(strings.ToLower(r.Title), q), Count: strings.Count(lower, q)}
		if h.Count > 0 {
			at := strings.Index(lower, q)
			start := strings.LastIndex(body[:at], "\n") + 1
			end := strings.IndexByte(body[at:], '\n')
			if end < 0 {
				end = len(body) - at
			}
			h.Snippet = strings.TrimSpace(body[start : at+end])
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
