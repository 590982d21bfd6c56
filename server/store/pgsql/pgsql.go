// Package pgsql opens PostgreSQL for the stores. The stores' SQL is written
// once, in SQLite's dialect; the connections opened here rewrite each
// statement (Rewrite) before PostgreSQL sees it, so every package holding a
// *sql.DB works on either database. What cannot be rewritten (row locks,
// leases) asks Is which database it runs on.
package pgsql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// IsURL reports whether a --db value names a PostgreSQL database rather
// than a SQLite file.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the database at dbURL (search_path and the other server
// settings may be given as URL parameters) and checks that it answers.
func Open(ctx context.Context, dbURL string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := sql.OpenDB(connector{stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", Redact(dbURL), err)
	}
	return db, nil
}

// Is reports whether db was opened by Open.
func Is(db *sql.DB) bool {
	_, ok := db.Driver().(rewritingDriver)
	return ok
}

// Redact is a database URL without its password, for messages.
func Redact(dbURL string) string {
	if !IsURL(dbURL) {
		return dbURL
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return "(a database URL that does not parse)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

type connector struct{ inner driver.Connector }

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	cn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return conn{cn.(*stdlib.Conn)}, nil
}

func (c connector) Driver() driver.Driver { return rewritingDriver{c.inner.Driver()} }

// rewritingDriver marks connections opened here (see Is).
type rewritingDriver struct{ driver.Driver }

// conn is a pgx connection that rewrites statements on their way in.
type conn struct{ *stdlib.Conn }

func (c conn) Prepare(q string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), q)
}

func (c conn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	r := rewrite(q)
	st, err := c.Conn.PrepareContext(ctx, r.sql)
	if err != nil {
		return nil, err
	}
	return stmt{st.(*stdlib.Stmt), r.args}, nil
}

func (c conn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	r := rewrite(q)
	return c.Conn.ExecContext(ctx, r.sql, pick(args, r.args))
}

func (c conn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	r := rewrite(q)
	return c.Conn.QueryContext(ctx, r.sql, pick(args, r.args))
}

// stmt is a prepared statement that passes on only the arguments it uses.
type stmt struct {
	*stdlib.Stmt
	args []int
}

func (s stmt) NumInput() int { return -1 }

func (s stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.Stmt.ExecContext(ctx, pick(args, s.args))
}

func (s stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.Stmt.QueryContext(ctx, pick(args, s.args))
}

// pick keeps the arguments a rewritten statement uses (see Rewrite).
func pick(args []driver.NamedValue, use []int) []driver.NamedValue {
	if len(use) == len(args) {
		return args // all used: Rewrite numbers them 1..n
	}
	out := make([]driver.NamedValue, 0, len(use))
	for i, n := range use {
		if n <= len(args) {
			out = append(out, driver.NamedValue{Ordinal: i + 1, Value: args[n-1].Value})
		}
	}
	return out
}

// CheckNamedValue stores booleans as 0 and 1, as SQLite does: the flag
// columns are integers in both schemas.
func (c conn) CheckNamedValue(v *driver.NamedValue) error {
	if b, ok := v.Value.(bool); ok {
		v.Value = int64(0)
		if b {
			v.Value = int64(1)
		}
	}
	return nil
}

// The rewrites of the statements seen, up to a bound: most statements are
// constants, a few are built per call.
var (
	cacheMu sync.RWMutex
	cache   = map[string]rewritten{}
)

const cacheMax = 4096

type rewritten struct {
	sql  string
	args []int
}

func rewrite(q string) rewritten {
	cacheMu.RLock()
	r, ok := cache[q]
	cacheMu.RUnlock()
	if ok {
		return r
	}
	r.sql, r.args = Rewrite(q)
	cacheMu.Lock()
	if len(cache) < cacheMax {
		cache[q] = r
	}
	cacheMu.Unlock()
	return r
}
