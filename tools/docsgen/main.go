// Command docsgen writes the endpoint pages of the API reference
// (api/docs/endpoints/*.md) and its index (api/docs/index.json) from
// api/openapi.yaml, so the docs cannot drift from the contract. Run it with
// `go generate` from the repository root; -check only reports drift.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/penguinmails/pmdev/models"
)

func main() {
	dir := flag.String("api", "api", "the api directory (openapi.yaml, docs/)")
	check := flag.Bool("check", false, "report drift instead of writing files")
	flag.Parse()
	changed, err := run(*dir, *check, time.Now())
	if err != nil {
		fmt.Fprintln(os.Stderr, "docsgen:", err)
		os.Exit(1)
	}
	if *check && len(changed) > 0 {
		fmt.Fprintf(os.Stderr, "docsgen: out of date: %s (run go generate)\n", strings.Join(changed, ", "))
		os.Exit(1)
	}
	for _, c := range changed {
		fmt.Println("docsgen: wrote", filepath.Join(*dir, c))
	}
}

// run regenerates dir and returns the files that differ (written unless check).
func run(dir string, check bool, now time.Time) ([]string, error) {
	api := os.DirFS(dir)
	prev, _ := readIndex(api)
	res, err := generate(api, prev, now)
	if err != nil {
		return nil, err
	}
	changed, stale, err := diff(api, res)
	if err != nil || check {
		if err == nil {
			err = checkOperations(api, res.ops)
		}
		return append(changed, stale...), err
	}
	for _, name := range changed {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, res.files[name], 0o644); err != nil {
			return nil, err
		}
	}
	for _, name := range stale {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			return nil, err
		}
	}
	return append(changed, stale...), nil
}

func readIndex(api fs.FS) (*models.DocsIndex, error) {
	b, err := fs.ReadFile(api, IndexFile)
	if err != nil {
		return nil, err
	}
	var idx models.DocsIndex
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, err
	}
	return &idx, nil
}

// diff compares a generation with the tree: files whose content differs or
// is missing, and generated files that should no longer exist.
func diff(api fs.FS, res *result) (changed, stale []string, err error) {
	for name, want := range res.files {
		got, err := fs.ReadFile(api, name)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
		if string(got) != string(want) {
			changed = append(changed, name)
		}
	}
	entries, err := fs.ReadDir(api, EndpointsDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	for _, e := range entries {
		name := EndpointsDir + "/" + e.Name()
		if _, ok := res.files[name]; !ok && !e.IsDir() {
			stale = append(stale, name)
		}
	}
	sort.Strings(changed)
	sort.Strings(stale)
	return changed, stale, nil
}
