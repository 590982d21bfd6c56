// Package docs serves the API reference bundled with the server, without
// authentication: the index and one page per slug, each with an ETag.
package docs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
)

// docsIndexFile is the generated index inside the api dir (see tools/docsgen).
const docsIndexFile = "docs/index.json"

var docSlugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// docsStore is the API reference loaded once from Config.Assets. Pages are
// found by file name (<slug>.md anywhere under docs/).
type docsStore struct {
	err       error
	index     []byte // served as is
	indexETag string
	pages     map[string]docsPage
}

type docsPage struct {
	body []byte // encoded models.DocPage
	etag string
}

func loadDocs(assets fs.FS) *docsStore {
	d := &docsStore{pages: map[string]docsPage{}}
	if assets == nil {
		d.err = errors.New("no docs bundled")
		return d
	}
	raw, err := fs.ReadFile(assets, docsIndexFile)
	if err != nil {
		d.err = err
		return d
	}
	var idx models.DocsIndex
	if err := json.Unmarshal(raw, &idx); err != nil {
		d.err = err
		return d
	}
	d.index, _ = json.Marshal(idx)
	d.indexETag = `"` + idx.Version + `"`
	files := map[string]string{}
	_ = fs.WalkDir(assets, "docs", func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(p, ".md") {
			files[strings.TrimSuffix(path.Base(p), ".md")] = p
		}
		return nil
	})
	for _, ref := range idx.Pages {
		md, err := fs.ReadFile(assets, files[ref.Slug])
		if err != nil {
			continue // listed but missing: answers 404
		}
		body, _ := json.Marshal(models.DocPage{Slug: ref.Slug, Title: ref.Title, Section: ref.Section, Markdown: string(md), Version: idx.Version})
		sum := sha256.Sum256(md)
		d.pages[ref.Slug] = docsPage{body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	}
	return d
}

// Mount serves the reference in assets (the api dir: docs/index.json and
// the pages): the index, with an ETag that changes with any page, and one
// page per slug. Without assets both routes answer 404.
func Mount(mux *http.ServeMux, assets fs.FS, log *slog.Logger) {
	// Loaded at the first docs request: the console's sandbox starts
	// without paying for pages it may never serve.
	load := sync.OnceValue(func() *docsStore {
		d := loadDocs(assets)
		if d.err != nil {
			log.Info("docs routes answer 404", "reason", d.err.Error())
		}
		return d
	})
	mux.HandleFunc("GET /api/v1/docs", func(w http.ResponseWriter, r *http.Request) {
		d := load()
		if d.err != nil {
			httpx.NotFound(w, "Documentation")
			return
		}
		writeDoc(w, r, d.indexETag, d.index)
	})
	mux.HandleFunc("GET /api/v1/docs/{slug}", func(w http.ResponseWriter, r *http.Request) {
		slug := r.PathValue("slug")
		if len(slug) > 100 || !docSlugPattern.MatchString(slug) {
			httpx.Validation(w, []models.FieldError{{Field: "slug", Message: "slug must be lower-case letters, digits, '.', '_' or '-'"}})
			return
		}
		p, ok := load().pages[slug]
		if !ok {
			httpx.NotFound(w, "Documentation page")
			return
		}
		writeDoc(w, r, p.etag, p.body)
	})
}

func writeDoc(w http.ResponseWriter, r *http.Request, etag string, body []byte) {
	if httpx.NotModified(w, r, etag) {
		return
	}
	// Public content: shared caches may keep it, but must revalidate.
	w.Header().Set("Cache-Control", "public, no-cache")
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(body, '\n'))
}
