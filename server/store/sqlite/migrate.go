package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
)

//go:embed migrations/*.sql migrations_pg/*.sql
var migrationFS embed.FS

// dialect is what differs in running the migrations.
type dialect struct {
	dir   string // migrations/ (SQLite) or migrations_pg/ (PostgreSQL): same numbers, same tables
	table string // schema_migrations
	lock  string // run first in each migration's transaction ("" for none)
	pg    bool
}

var (
	sqliteMigrations = dialect{dir: "migrations", table: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))`}
	// Instances starting together take turns, per schema.
	pgMigrations = dialect{dir: "migrations_pg", pg: true, table: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))`,
		lock: `SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.pmdev.migrate'))`}
)

// migrate applies every embedded migration of d not yet recorded in schema_migrations.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	if err := inTx(ctx, db, d, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, d.table)
		return err
	}); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrationFS, d.dir+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, d.dir+"/"), ".sql")
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if n > 0 {
			continue
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", version, err)
		}
		if d.lock != "" {
			// Another instance may have applied it while this one waited.
			if _, err = tx.ExecContext(ctx, d.lock); err == nil {
				err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n)
			}
			if err != nil || n > 0 {
				tx.Rollback()
				if err != nil {
					return fmt.Errorf("migrate %s: %w", version, err)
				}
				continue
			}
		} else {
			// SQLite: claiming the version first takes the write lock, so an
			// instance starting at the same moment waits, then finds it done.
			res, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version) VALUES (?) ON CONFLICT DO NOTHING`, version)
			var claimed int64
			if err == nil {
				claimed, err = res.RowsAffected()
			}
			if err != nil || claimed == 0 {
				tx.Rollback()
				if err != nil {
					return fmt.Errorf("migrate %s: %w", version, err)
				}
				continue
			}
		}
		if err := applyMigration(ctx, tx, string(body), d.pg); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", version, err)
		}
		if d.lock != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version) VALUES (?)`, version); err != nil {
				tx.Rollback()
				return fmt.Errorf("migrate %s: %w", version, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", version, err)
		}
	}
	return nil
}

// inTx runs fn in a transaction holding d's lock.
func inTx(ctx context.Context, db *sql.DB, d dialect, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if d.lock != "" {
		if _, err := tx.ExecContext(ctx, d.lock); err != nil {
			return err
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// addColumn matches the one schema change SQLite cannot guard with IF NOT EXISTS.
var addColumn = regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+(\w+)\b`)

// applyMigration runs a migration statement by statement. Databases made by
// intermediate builds may already hold part of a migration: CREATE
// statements use IF NOT EXISTS, and ADD COLUMN is skipped when the column is
// there (PostgreSQL says ADD COLUMN IF NOT EXISTS itself).
func applyMigration(ctx context.Context, tx *sql.Tx, body string, pg bool) error {
	for _, stmt := range splitSQL(body) {
		if m := addColumn.FindStringSubmatch(stmt); m != nil && !pg {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?`, m[1], m[2]).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// splitSQL cuts a migration into statements at semicolons outside quotes,
// dropping -- comments. Migrations hold no triggers, so that is enough.
func splitSQL(body string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	var quote byte
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '-' && i+1 < len(body) && body[i+1] == '-':
			for i < len(body) && body[i] != '\n' {
				i++
			}
			cur.WriteByte('\n')
			continue
		case c == ';':
			flush()
			continue
		}
		cur.WriteByte(c)
	}
	flush()
	return out
}
