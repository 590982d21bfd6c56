package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The layout budgets of the tree, checked on every test run. Each
// violation is listed with the area that owns it.

const module = "github.com/penguinmails/pmdev"

const maxFileLines = 500 // non-test Go files

// importRules: a package under from (itself or below) must not import
// anything under any of the banned prefixes, except what allow names.
// Paths are module-relative; files says which files of from are checked.
var importRules = []struct {
	from   string
	banned []string
	allow  []string
	files  scope
	why    string
}{
	{from: "client", banned: []string{"tui", "server", "internal", "styles"}, why: "the API client uses only models"},
	{from: "models", banned: []string{""}, files: everyFile, why: "models are the shared vocabulary and import nothing of ours"},
	{from: "styles", banned: []string{"tui"}, why: "styles are used by the tui"},
	{from: "server", banned: []string{"client", "tui", "internal"}, why: "the server uses only models"},
	{from: "server", banned: []string{"tui", "internal", "styles"}, files: testFiles, why: "server tests drive it over HTTP, through the client at most"},
	{from: "server/store", banned: []string{""}, allow: []string{"models", "server/store"}, why: "the store is a leaf over models"},
	{from: "server/httpx", banned: []string{""}, allow: []string{"models"}, why: "httpx is a leaf over models"},
	{from: "tui", banned: []string{"server"}, why: "the console reaches the server over HTTP only"},
	{from: "internal/sshconsole", banned: []string{"server"}, why: "the SSH console depends on a small interface, not the server"},
	{from: "tui/overview", banned: []string{"tui/keys", "tui/docs", "tui/usage", "tui/webhooks"}, why: "panes never import each other"},
	{from: "tui/keys", banned: []string{"tui/overview", "tui/docs", "tui/usage", "tui/webhooks"}, why: "panes never import each other"},
	{from: "tui/docs", banned: []string{"tui/overview", "tui/keys", "tui/usage", "tui/webhooks"}, why: "panes never import each other"},
	{from: "tui/usage", banned: []string{"tui/overview", "tui/keys", "tui/docs", "tui/webhooks"}, why: "panes never import each other"},
	{from: "tui/webhooks", banned: []string{"tui/overview", "tui/keys", "tui/docs", "tui/usage"}, why: "panes never import each other"},
}

type scope int

const (
	nonTestFiles scope = iota
	testFiles
	everyFile
)

func (s scope) has(test bool) bool { return s == everyFile || (s == testFiles) == test }

// sqliteDriver may be imported only where the SQLite dialect lives.
const sqliteDriver, sqliteHome = "modernc.org/sqlite", "server/store/sqlite"

var (
	issueRef      = regexp.MustCompile(`(?i)\bissues?\s+#?\d+`)
	vagueTestName = regexp.MustCompile(`^(qa|review|misc|extra|more|new)_test\.go$`)
)

// goFile is one parsed file of the tree.
type goFile struct {
	rel     string // slash path from the module root
	lines   int
	test    bool
	imports []string // module-relative imports of ours ("" is the root)
	sqlite  bool     // imports the SQLite driver
	issues  []string // comment lines naming an issue
}

func TestStructure(t *testing.T) {
	v := check(parseTree(t))
	for _, rule := range rules {
		report(t, rule, v[rule])
	}
}

// The checks themselves catch what they should.
func TestStructureChecksCatchViolations(t *testing.T) {
	v := check([]goFile{
		{rel: "main.go", lines: 41},
		{rel: "tui/keys/big.go", lines: 501},
		{rel: "tui/keys/qa_test.go", test: true},
		{rel: "server/x.go", imports: []string{"client"}},
		{rel: "server/webhook/y.go", imports: []string{"internal/config"}},
		{rel: "models/m.go", imports: []string{"styles"}},
		{rel: "internal/sshconsole/s.go", imports: []string{"server"}},
		{rel: "tui/t.go", imports: []string{"server/store"}},
		{rel: "client/c.go", imports: []string{"tui/common"}},
		{rel: "client/ok_test.go", test: true, imports: []string{"tui"}},
		{rel: "tui/ok.go", imports: []string{"client", "tui/common"}},
		{rel: "tui/keys/k.go", imports: []string{"tui/usage"}},
		{rel: "tui/keys/wizard/w.go", imports: []string{"tui/keys/perms", "tui/common"}},
		{rel: "client/d.go", imports: []string{"server"}},
		{rel: "x.go", issues: []string{"line 1: // see issue 12"}},
		{rel: "server/a_test.go", test: true, imports: []string{"tui/common"}},
		{rel: "server/b_test.go", test: true, imports: []string{"client", "models"}},
		{rel: "server/store/s.go", imports: []string{"server/keys"}},
		{rel: "server/store/sqlite/db.go", imports: []string{"server/store", "models"}, sqlite: true},
		{rel: "server/httpx/h.go", imports: []string{"server/store"}},
		{rel: "server/keys/k.go", sqlite: true},
		{rel: "tui/keys/misc_test.go", test: true},
	})
	want := map[string]int{rules[0]: 1, rules[1]: 1, rules[2]: 12, rules[3]: 2, rules[4]: 1}
	for rule, n := range want {
		if len(v[rule]) != n {
			t.Errorf("%s: %d violations, want %d: %v", rule, len(v[rule]), n, v[rule])
		}
	}
	if !issueRef.MatchString("// (issue 11) clamp") || issueRef.MatchString("// an issuer 3 times") {
		t.Error("issue reference pattern")
	}
}

var rules = []string{"non-test files over 500 lines", "main.go size", "import directions", "test file names", "issue numbers in comments"}

// check applies every rule; the result maps a rule to its violations.
func check(files []goFile) map[string][]string {
	v := map[string][]string{}
	for _, f := range files {
		if !f.test && f.lines > maxFileLines {
			v[rules[0]] = append(v[rules[0]], fmt.Sprintf("%s: %d lines", f.rel, f.lines))
		}
		if f.rel == "main.go" && f.lines > 40 {
			v[rules[1]] = append(v[rules[1]], fmt.Sprintf("main.go: %d lines, want at most 40", f.lines))
		}
		if f.test && vagueTestName.MatchString(path.Base(f.rel)) {
			v[rules[3]] = append(v[rules[3]], f.rel+": name test files by behaviour")
		}
		for _, c := range f.issues {
			v[rules[4]] = append(v[rules[4]], f.rel+": "+c)
		}
		dir := path.Dir(f.rel)
		if f.sqlite && !f.test && !under(dir, sqliteHome) {
			v[rules[2]] = append(v[rules[2]], fmt.Sprintf("%s imports %s (dialect code lives in %s)", f.rel, sqliteDriver, sqliteHome))
		}
		for _, r := range importRules {
			if !under(dir, r.from) || !r.files.has(f.test) {
				continue
			}
			for _, imp := range f.imports {
				if under(imp, r.from) || slices.ContainsFunc(r.allow, func(a string) bool { return under(imp, a) }) {
					continue
				}
				for _, b := range r.banned {
					if under(imp, b) {
						v[rules[2]] = append(v[rules[2]], fmt.Sprintf("%s imports %s (%s)", f.rel, module+"/"+imp, r.why))
					}
				}
			}
		}
	}
	return v
}

// under reports whether path is dir or below it ("" is the whole module).
func under(path, dir string) bool {
	return dir == "" || path == dir || strings.HasPrefix(path, dir+"/")
}

func report(t *testing.T, rule string, violations []string) {
	t.Helper()
	if len(violations) > 0 {
		t.Errorf("%s: %d violation(s):\n    %s", rule, len(violations), strings.Join(violations, "\n    "))
	}
}

func parseTree(t *testing.T) []goFile {
	t.Helper()
	var out []goFile
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != "." && (strings.HasPrefix(n, ".") || n == "testdata" || n == "vendor" || n == "third_party") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		g := goFile{rel: filepath.ToSlash(path), lines: strings.Count(string(src), "\n"), test: strings.HasSuffix(path, "_test.go")}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			g.sqlite = g.sqlite || p == sqliteDriver
			if p == module || strings.HasPrefix(p, module+"/") {
				g.imports = append(g.imports, strings.TrimPrefix(strings.TrimPrefix(p, module), "/"))
			}
		}
		// ImportsOnly stops after the imports: comments further down need the whole file.
		full, err := parser.ParseFile(fset, path, src, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, cg := range full.Comments {
			for _, c := range cg.List {
				if issueRef.MatchString(c.Text) {
					g.issues = append(g.issues, fmt.Sprintf("line %d: %s", fset.Position(c.Pos()).Line, strings.TrimSpace(c.Text)))
				}
			}
		}
		out = append(out, g)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		t.Fatalf("only %d Go files found: is the test running in the module root?", len(out))
	}
	return out
}
