package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
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
	// \d, \w, \s and \b read differently: Python's match any Unicode digit, letter or space.
	nonPortable := []string{`\p`, `\P`, `\u`, `\x{`, `(?`, `\A`, `\z`, `\Z`, `[[:`, `\d`, `\D`, `\w`, `\W`, `\s`, `\S`, `\b`, `\B`}
	for path, s := range contractPatterns(t) {
		if _, err := regexp.Compile(s); err != nil {
			t.Errorf("%s: pattern does not compile: %v", path, err)
		}
		for _, bad := range nonPortable {
			if strings.Contains(s, bad) {
				t.Errorf("%s: pattern %q uses %s, which not every engine supports", path, s, bad)
			}
		}
	}
}

// contractPatterns lists every `pattern` of the contract with where it is.
func contractPatterns(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if s, ok := c.(string); ok && k == "pattern" {
					out[path] = s
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
	return out
}

// patternProbes are strings every pattern is tried on: names, addresses,
// IPs, cursors, headers, slugs, and the characters rules are about.
func patternProbes() []string {
	p := []string{"", "a", "Production Server", " lead", "trail ", "Café prod-1_v2.0", "日本語キー", "Prod 🐧", "a/b", "semi;colon",
		"tab\there", "line\nbreak", "cr\rhere", "nul\x00", "bell\x07", "del\x7f", "c1\u0085", "bidi\u202eevil", "lrm\u200e", "alm\u061c",
		"iso\u2067", "zero\u200bwidth", "nb\u00a0sp", "soft\u00adhyphen", "bom\ufeff", "ideo\u3000space",
		"user@example.com", "first.last+tag@sub.example.co.uk", "user@localhost", ".a@b.co", "a..b@c.de", "a@-b.co", "ünï@example.com",
		"10.0.0.1", "010.0.0.1", "203.0.113.7/24", "10.0.0.0/33", "::", "::1", "2001:db8::/32", "::ffff:10.0.0.1", "1:2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7::", "fe80::1%eth0", "1::2::3", "ZTE6MTIzOjQ1", "bad cursor", "300;w=60;burst=500", "limit=300, remaining=1, reset=9",
		"W/\"abc\"", "\"abc\"", "authentication", "Send-Email", "msg_abc", "pm_live_" + strings.Repeat("A", 64), "whsec_abc+/=",
		"١٢٣", "٣;w=٦٠", "²", "Ⅻ",
	}
	return p
}

// TestPatternsReadTheSameInPython compiles every pattern of the contract
// with Python's re (the engine of Python-based validators and generators)
// and checks it agrees with Go on every probe, when python3 is installed.
// Python's $ also matches before one final line feed, unlike Go's and
// ECMA-262's; the contract says so, and probes ending in one are left out.
func TestPatternsReadTheSameInPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed; skipping the Python check of the contract's patterns")
	}
	patterns := contractPatterns(t)
	probes := patternProbes()
	type job struct {
		Where, Pattern string
		Probes         []string
		Go             []bool
	}
	var jobs []job
	for where, pat := range patterns {
		re := regexp.MustCompile(pat)
		j := job{Where: where, Pattern: pat}
		for _, s := range probes {
			if strings.HasSuffix(s, "\n") {
				continue
			}
			j.Probes = append(j.Probes, s)
			j.Go = append(j.Go, re.MatchString(s))
		}
		jobs = append(jobs, j)
	}
	in, _ := json.Marshal(jobs)
	script := `
import json, re, sys
out = []
for j in json.load(sys.stdin):
    try:
        r = re.compile(j["Pattern"])
    except re.error as e:
        out.append({"where": j["Where"], "error": str(e)})
        continue
    for s, want in zip(j["Probes"], j["Go"]):
        got = r.search(s) is not None
        if got != want:
            out.append({"where": j["Where"], "probe": s, "python": got, "go": want})
json.dump(out, sys.stdout)
`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var diffs []map[string]any
	if err := json.Unmarshal(b, &diffs); err != nil {
		t.Fatalf("python3 output %q: %v", b, err)
	}
	for _, d := range diffs {
		t.Errorf("Python and Go disagree: %v", d)
	}
	t.Logf("%d patterns, %d probes each, compiled and compared with %s", len(jobs), len(probes)-1, py)
	if len(jobs) < 10 {
		t.Fatalf("only %d patterns found", len(jobs))
	}
}

// An empty enum value is shown as "", not as an empty code span that
// Markdown would drop.
func TestEmptyEnumValueIsVisible(t *testing.T) {
	if got, want := codeList([]string{"", "email.sent"}), "`\"\"`, `email.sent`"; got != want {
		t.Fatalf("codeList = %s, want %s", got, want)
	}
}
