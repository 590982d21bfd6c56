// Package privfile checks that files holding secrets are readable by their
// owner only, as sshd does for host keys.
package privfile

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
)

// Check refuses a secret (described by what, e.g. "ssh host key") that group
// or others can read, naming the fix.
func Check(path, what string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s %s is not a regular file", what, path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%s %s is readable by group or others (mode %04o); run: chmod 600 %s", what, path, perm, path)
	}
	return nil
}

// DataFiles are the secrets next to a SQLite database: the database and its
// journal files (key hashes, users, tokens) and the webhook key file (which
// decrypts the webhook secrets stored in the database), with what each is.
func DataFiles(db string) [][2]string {
	if db == "" || strings.HasPrefix(db, "file:") || strings.Contains(db, ":memory:") {
		return nil
	}
	return [][2]string{
		{db, "database"},
		{db + "-wal", "database journal"},
		{db + "-shm", "database journal"},
		{db + ".webhook-key", "webhook key file"},
	}
}

// CheckData refuses a database whose files group or others can read. Files
// that do not exist yet are fine: the server creates them 0600.
func CheckData(db string) error {
	for _, f := range DataFiles(db) {
		if _, err := os.Stat(f[0]); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := Check(f[0], f[1]); err != nil {
			return err
		}
	}
	return nil
}

// TightenData makes a database's files owner-only, logging each change.
func TightenData(db string, log *slog.Logger) error {
	for _, f := range DataFiles(db) {
		fi, err := os.Stat(f[0])
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 && fi.Mode().IsRegular() {
			if err := os.Chmod(f[0], perm&^0o077); err != nil {
				return fmt.Errorf("%s %s is readable by group or others and cannot be fixed: %w; run: chmod 600 %s", f[1], f[0], err, f[0])
			}
			log.Info("file made owner-only", "file", f[0], "was", fmt.Sprintf("%04o", perm))
		}
	}
	return nil
}
