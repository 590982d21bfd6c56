package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/penguinmails/pmdev/models"
)

const apiDir = "../../api"

// TestDocsUpToDate fails when the committed pages differ from a fresh
// generation (run `go generate` at the repository root to fix).
func TestDocsUpToDate(t *testing.T) {
	changed, err := run(apiDir, true, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) > 0 {
		t.Fatalf("generated docs are out of date: %v; run `go generate` in the repository root", changed)
	}
}

// TestEveryOperationDocumented checks both directions between the spec and
// the pages on disk.
func TestEveryOperationDocumented(t *testing.T) {
	api := os.DirFS(apiDir)
	res, err := generate(api, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.ops) < 10 {
		t.Fatalf("only %d operations found in the spec", len(res.ops))
	}
	if err := checkOperations(api, res.ops); err != nil {
		t.Fatal(err)
	}
}

// copyAPI copies the api dir into a temp dir the test may break.
func copyAPI(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(apiDir)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestDriftIsDetected(t *testing.T) {
	dir := copyAPI(t)
	spec := filepath.Join(dir, "openapi.yaml")
	b, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	// Renaming an operation leaves a page naming the old id and an operation
	// without a page.
	renamed := strings.Replace(string(b), "operationId: sendEmail", "operationId: sendEmailV2", 1)
	if renamed == string(b) {
		t.Fatal("spec has no sendEmail operation to rename")
	}
	if err := os.WriteFile(spec, []byte(renamed), 0o644); err != nil {
		t.Fatal(err)
	}
	changed, err := run(dir, true, time.Now())
	if err == nil {
		t.Fatal("check passed although a page names a removed operation")
	}
	for _, want := range []string{"sendEmail, which api/openapi.yaml no longer has", "sendEmailV2 has no docs page"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if !contains(changed, "docs/endpoints/emails.md") || !contains(changed, "docs/index.json") {
		t.Errorf("changed = %v, want emails.md and index.json", changed)
	}

	// Writing fixes it, and a second run is a no-op that keeps updated_at.
	if _, err := run(dir, false, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	changed, err = run(dir, true, time.Now())
	if err != nil || len(changed) > 0 {
		t.Fatalf("after regeneration: changed %v, err %v", changed, err)
	}
	idx, err := readIndex(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if !idx.UpdatedAt.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("updated_at = %v, want the generation time of the new version", idx.UpdatedAt)
	}
}

func TestRemovedTagPageIsStale(t *testing.T) {
	dir := copyAPI(t)
	extra := filepath.Join(dir, "docs", "endpoints", "gone.md")
	if err := os.WriteFile(extra, []byte("# Gone\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed, _ := run(dir, true, time.Now())
	if !contains(changed, "docs/endpoints/gone.md") {
		t.Fatalf("stale page not reported: %v", changed)
	}
	if _, err := run(dir, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(extra); !os.IsNotExist(err) {
		t.Fatalf("stale page not removed: %v", err)
	}
}

func TestPagesCarryOperationMetadata(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(apiDir, "docs", "endpoints", "api-keys.md"))
	if err != nil {
		t.Fatal(err)
	}
	var op models.DocOperation
	for _, l := range strings.Split(string(b), "\n") {
		if o, ok := models.ParseDocOpMarker(l); ok && o.ID == "getApiKey" {
			op = o
		}
	}
	if op.Method != "GET" || op.Path != "/api/v1/platform/api-keys/{id}" || op.Auth != models.DocAuthToken {
		t.Fatalf("getApiKey metadata = %+v", op)
	}
	if len(op.Params) == 0 || op.Params[0].Name != "id" || op.Params[0].In != "path" || !op.Params[0].Required || op.Params[0].Example == "" {
		t.Fatalf("getApiKey params = %+v", op.Params)
	}
	for _, want := range []string{"#### 404 Not Found", "#### 401 Unauthorized", "| `id` (path, required) |"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("api-keys.md lacks %q", want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestContractPortable keeps api/openapi.yaml readable by every common tool:
// no YAML 1.1 merge keys (YAML 1.2 parsers ignore them) and regular
// expressions in the subset ECMA-262, Python's re and Go's regexp share.
func TestContractPortable(t *testing.T) {
	b, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "<<:") {
			t.Errorf("line %d: YAML merge key; compose schemas with allOf", i+1)
		}
	}
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	nonPortable := []string{`\p`, `\P`, `\u`, `\x{`, `(?`, `\A`, `\z`, `\Z`, `[[:`}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if s, ok := c.(string); ok && k == "pattern" {
					if _, err := regexp.Compile(s); err != nil {
						t.Errorf("%s: pattern does not compile: %v", path, err)
					}
					for _, bad := range nonPortable {
						if strings.Contains(s, bad) {
							t.Errorf("%s: pattern %q uses %s, which not every engine supports", path, s, bad)
						}
					}
				}
				walk(path+"/"+k, c)
			}
		case []any:
			for i, c := range v {
				walk(fmt.Sprintf("%s/%d", path, i), c)
			}
		}
	}
	walk("#", doc)
}
