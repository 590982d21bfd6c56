package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
)

// dataFiles are the secrets next to a SQLite database: the database and its
// journal files (API key hashes, users, tokens) and the webhook signing-key
// file (which decrypts the webhook secrets stored in the database).
func dataFiles(db string) [][2]string {
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

// checkDataFiles refuses to use a database whose files group or others can
// read (files that do not exist yet are created 0600 by the server).
func checkDataFiles(db string) error {
	for _, f := range dataFiles(db) {
		if _, err := os.Stat(f[0]); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := checkPrivate(f[0], f[1]); err != nil {
			return err
		}
	}
	return nil
}

// tightenDataFiles makes the sandbox's files owner-only. The sandbox is
// pmdev's own demo database (older versions created it 0644), so it is
// fixed rather than refused.
func tightenDataFiles(db string, log *slog.Logger) error {
	for _, f := range dataFiles(db) {
		fi, err := os.Stat(f[0])
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("sandbox: %w", err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 && fi.Mode().IsRegular() {
			if err := os.Chmod(f[0], perm&^0o077); err != nil {
				return fmt.Errorf("sandbox: %s %s is readable by group or others and cannot be fixed: %w; run: chmod 600 %s", f[1], f[0], err, f[0])
			}
			log.Info("sandbox file made owner-only", "file", f[0], "was", fmt.Sprintf("%04o", perm))
		}
	}
	return nil
}
