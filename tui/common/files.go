package common

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Files is the console's access to the user's disk. A console without one
// (over SSH the disk is the server's, not the user's) offers the clipboard
// instead: a write path that forgot the remote case has nothing to write
// with.
type Files interface {
	Stat(name string) (fs.FileInfo, error)
	ReadFile(name string) ([]byte, error)
	// WriteFile replaces name with data atomically, with mode perm from
	// the first byte (a temp file in the same directory, then a rename), so
	// a secret is never world-readable and a reader never sees half a file.
	// Missing parent directories are made with mode 0700.
	WriteFile(name string, data []byte, perm fs.FileMode) error
	// CreateNew creates name for writing, failing with fs.ErrExist when it
	// exists: an export never overwrites a file.
	CreateNew(name string, perm fs.FileMode) (io.WriteCloser, error)
	Remove(name string) error
}

// OSFiles is Files on the local disk.
type OSFiles struct{}

// Stat implements Files.
func (OSFiles) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// ReadFile implements Files.
func (OSFiles) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }

// WriteFile implements Files.
func (OSFiles) WriteFile(name string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".pmdev-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	err = tmp.Chmod(perm)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// CreateNew implements Files.
func (OSFiles) CreateNew(name string, perm fs.FileMode) (io.WriteCloser, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fs.ErrExist
		}
		return nil, err
	}
	return f, nil
}

// Remove implements Files.
func (OSFiles) Remove(name string) error { return os.Remove(name) }
