package docs

import (
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
)

func docsServer(t *testing.T, assets fs.FS) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	Mount(mux, assets, slog.New(slog.NewTextHandler(io.Discard, nil)))
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return hs
}

func docsGet(t *testing.T, url string, header ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestDocsRoutes(t *testing.T) {
	hs := docsServer(t, os.DirFS("../../api"))

	r := docsGet(t, hs.URL+"/api/v1/docs")
	if r.StatusCode != 200 || r.Header.Get("ETag") == "" {
		t.Fatalf("index: %d, ETag %q", r.StatusCode, r.Header.Get("ETag"))
	}
	var idx models.DocsIndex
	if err := json.NewDecoder(r.Body).Decode(&idx); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(idx.Version, "1.") || len(idx.Pages) < 8 || idx.UpdatedAt.IsZero() {
		t.Fatalf("index = %+v", idx)
	}
	if r := docsGet(t, hs.URL+"/api/v1/docs", "If-None-Match", r.Header.Get("ETag")); r.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional index: %d, want 304", r.StatusCode)
	}
	if r := docsGet(t, hs.URL+"/api/v1/docs", "If-None-Match", `"other"`); r.StatusCode != 200 {
		t.Fatalf("stale ETag: %d, want 200", r.StatusCode)
	}

	for _, ref := range idx.Pages {
		r := docsGet(t, hs.URL+"/api/v1/docs/"+ref.Slug)
		var p models.DocPage
		if r.StatusCode != 200 || json.NewDecoder(r.Body).Decode(&p) != nil {
			t.Fatalf("page %s: %d", ref.Slug, r.StatusCode)
		}
		if p.Slug != ref.Slug || p.Title != ref.Title || p.Version != idx.Version || !strings.HasPrefix(p.Markdown, "# ") {
			t.Fatalf("page %s = %+v", ref.Slug, p)
		}
		if r := docsGet(t, hs.URL+"/api/v1/docs/"+ref.Slug, "If-None-Match", r.Header.Get("ETag")); r.StatusCode != http.StatusNotModified {
			t.Fatalf("page %s conditional: %d", ref.Slug, r.StatusCode)
		}
	}

	for url, want := range map[string]int{"/api/v1/docs/no-such-page": 404, "/api/v1/docs/Bad%20Slug": 400, "/api/v1/docs/..%2fopenapi.yaml": 400} {
		r := docsGet(t, hs.URL+url)
		if r.StatusCode != want || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want %d problem", url, r.StatusCode, r.Header.Get("Content-Type"), want)
		}
	}
}

func TestDocsRoutesWithoutAssets(t *testing.T) {
	hs := docsServer(t, nil)
	for _, p := range []string{"/api/v1/docs", "/api/v1/docs/authentication"} {
		r := docsGet(t, hs.URL+p)
		var prob models.Problem
		if r.StatusCode != 404 || json.NewDecoder(r.Body).Decode(&prob) != nil || prob.Error != "not_found" {
			t.Errorf("%s without assets: %d %+v", p, r.StatusCode, prob)
		}
	}
}
