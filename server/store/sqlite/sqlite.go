// Package sqlite implements server/store on SQLite (modernc.org/sqlite, no
// cgo) and, through server/store/pgsql, on PostgreSQL: the SQL is written in
// SQLite's dialect and rewritten for PostgreSQL as it is sent. Here live the
// connection settings, both migration sets and their runner, and the SQL of
// every domain store.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/penguinmails/pmdev/server/store"
	"github.com/penguinmails/pmdev/server/store/pgsql"

	_ "modernc.org/sqlite" // driver "sqlite"
)

// Store implements store.Store; it holds no state, the Handle of each call
// says where the SQL runs.
type Store struct{}

var _ store.Store = Store{}

// Open opens the database at path and applies every migration it lacks: a
// postgres:// or postgresql:// URL names a PostgreSQL database, anything
// else a SQLite file (created if needed, owner-only).
func Open(ctx context.Context, path string) (*sql.DB, error) {
	if pgsql.IsURL(path) {
		db, err := pgsql.Open(ctx, path)
		if err != nil {
			return nil, err
		}
		if err := migrate(ctx, db, pgMigrations); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
	}
	// Create the file owner-only; SQLite gives the -wal/-shm files the same mode.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	q := url.Values{}
	// busy_timeout first: switching a new file to WAL takes a lock that
	// another process opening it at the same moment must wait for.
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "cache_size(-32000)") // 32 MB: big seed/usage transactions stay in memory
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := migrate(ctx, db, sqliteMigrations); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// jsonList is a string list as stored (never null).
func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}
