// Package store is the persistence boundary of the server: one interface per
// domain (keys, users and SSH keys, audit, usage, contacts) and the row types
// they exchange. It holds no SQL; server/store/sqlite implements it, on
// SQLite and (through server/store/pgsql) on PostgreSQL.
//
// Every method takes the Handle to run on, so a service can put several
// calls, of several domains, in one transaction (see Tx).
package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Handle runs SQL: the database itself or a transaction.
type Handle interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// ErrNotFound is returned for a missing row, and for a row of another
// tenant, so callers cannot tell the two apart.
var ErrNotFound = errors.New("not found")

// Scanner is a row to scan: *sql.Row or *sql.Rows.
type Scanner interface{ Scan(dest ...any) error }

// QueryAll runs q on h and scans every row with scan; the list is never nil.
func QueryAll[T any](ctx context.Context, h Handle, q string, args []any, scan func(sc Scanner) (T, error)) ([]T, error) {
	rows, err := h.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Store is every domain store of one database.
type Store interface {
	KeyStore
	UserStore
	SSHKeyStore
	AuditStore
	UsageStore
	ContactStore
	InstanceStore
}

// Tx runs fn in a transaction of db and commits it when fn returns nil.
func Tx(ctx context.Context, db *sql.DB, fn func(tx Handle) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Times are stored as unix milliseconds (UTC) in every table.

// MS is t as stored.
func MS(t time.Time) int64 { return t.UnixMilli() }

// FromMS is a stored time.
func FromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// NullMS is a nullable stored time.
func NullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := FromMS(v.Int64)
	return &t
}

// MSPtr is a nullable time as stored (nil stays NULL).
func MSPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return MS(*t)
}
