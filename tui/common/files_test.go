package common

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestOSFilesWriteFileIsPrivateAndReplaces(t *testing.T) {
	var f Files = OSFiles{}
	p := filepath.Join(t.TempDir(), "sub", ".env")
	if err := f.WriteFile(p, []byte("A=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteFile(p, []byte("A=2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := f.ReadFile(p)
	if err != nil || string(b) != "A=2\n" {
		t.Fatalf("read %q %v", b, err)
	}
	st, err := f.Stat(p)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", st.Mode(), err)
	}
	if left, _ := os.ReadDir(filepath.Dir(p)); len(left) != 1 {
		t.Fatalf("temp files left behind: %v", left)
	}
}

func TestOSFilesCreateNewNeverOverwrites(t *testing.T) {
	var f Files = OSFiles{}
	p := filepath.Join(t.TempDir(), "x.csv")
	w, err := f.CreateNew(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if w, err := f.CreateNew(p, 0o644); !errors.Is(err, fs.ErrExist) || w != nil {
		t.Fatalf("second create: %v %v", w, err)
	}
	if err := f.Remove(p); err != nil {
		t.Fatal(err)
	}
}
