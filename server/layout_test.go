package server

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/penguinmails/pmdev"

// goFile is one Go file of server/ or models/, parsed for imports and comments.
type goFile struct {
	path    string // slash-separated, from the repository root
	lines   int
	imports []string
	text    string // every comment
}

func layoutFiles(t *testing.T) []goFile {
	t.Helper()
	var out []goFile
	fset := token.NewFileSet()
	for _, root := range []string{".", "../models"} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") {
				return err
			}
			f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
			if err != nil {
				return err
			}
			rel := filepath.ToSlash(filepath.Join("server", p))
			if root != "." {
				rel = filepath.ToSlash(filepath.Join("models", strings.TrimPrefix(p, root+string(filepath.Separator))))
			}
			g := goFile{path: rel, lines: fset.File(f.Pos()).LineCount()}
			for _, im := range f.Imports {
				v, _ := strconv.Unquote(im.Path.Value)
				g.imports = append(g.imports, v)
			}
			var b strings.Builder
			for _, c := range f.Comments {
				b.WriteString(c.Text())
			}
			g.text = b.String()
			out = append(out, g)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 50 {
		t.Fatalf("only %d files found", len(out))
	}
	return out
}

// The server's layout budgets: small files, models importing nothing of
// ours, the server importing neither the console nor the commands, SQL
// dialect behind server/store/sqlite, tests named by behaviour, no issue
// numbers in comments.
func TestLayoutBudgets(t *testing.T) {
	issueRef := regexp.MustCompile(`(?i)\bissues? #?[0-9]+`)
	vagueTest := regexp.MustCompile(`(^|/)(qa|review|misc|extra|more|new)_test\.go$`)
	for _, f := range layoutFiles(t) {
		test := strings.HasSuffix(f.path, "_test.go")
		dir := f.path[:strings.LastIndex(f.path, "/")]
		if !test && f.lines > 500 {
			t.Errorf("%s: %d lines (budget 500)", f.path, f.lines)
		}
		if vagueTest.MatchString(f.path) {
			t.Errorf("%s: name test files by the behaviour they check", f.path)
		}
		if m := issueRef.FindString(f.text); m != "" {
			t.Errorf("%s: comment refers to %q; say why instead", f.path, m)
		}
		for _, im := range f.imports {
			ours := im == module || strings.HasPrefix(im, module+"/")
			switch {
			case strings.HasPrefix(f.path, "models/") && ours:
				t.Errorf("%s imports %s: models imports nothing of the project", f.path, im)
			case strings.HasPrefix(f.path, "server/") && ours && im != module+"/models" && !strings.HasPrefix(im, module+"/server") &&
				!(test && im == module+"/client"):
				t.Errorf("%s imports %s: the server uses only models and its own packages", f.path, im)
			case (dir == "server/store" || dir == "server/httpx") && ours && im != module+"/models":
				t.Errorf("%s imports %s: %s is a leaf over models", f.path, im, dir)
			case !test && im == "modernc.org/sqlite" && dir != "server/store/sqlite":
				t.Errorf("%s imports the SQLite driver: dialect code lives in server/store/sqlite", f.path)
			}
		}
	}
}
