package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sync"

	"github.com/jackc/pgx/v5"
)

// With -pg, every database a mode makes is a schema of its own in that
// PostgreSQL database (dropped at the end unless -keep), named after the
// file path the mode would have used; the path's directory still holds the
// server's other files.
var (
	pgBase    string
	pgMu      sync.Mutex
	pgSchemas = map[string]string{} // path -> schema
	// keepSchemas (-keep) leaves them for a look afterwards.
	keepSchemas bool
)

// webhookKey is the sealing key the servers share on PostgreSQL.
const webhookKey = "4c6f616467656e206b6579206f6e6c792c206e6f74206120736563726574210a"

// dbArg is the --db value for the database at path.
func dbArg(path string) string {
	if pgBase == "" {
		return path
	}
	pgMu.Lock()
	defer pgMu.Unlock()
	schema, ok := pgSchemas[path]
	if !ok {
		sum := sha256.Sum256([]byte(path))
		schema = "loadgen_" + hex.EncodeToString(sum[:6])
		fail(pgExec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema))
		pgSchemas[path] = schema
	}
	u, err := url.Parse(pgBase)
	fail(err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// serverEnv is what a server process needs besides the XDG directories.
func serverEnv() []string {
	if pgBase == "" {
		return nil
	}
	return []string{"PMDEV_WEBHOOK_KEY=" + webhookKey}
}

// pgSize is the bytes of every table and index of path's schema.
func pgSize(path string) int64 {
	pgMu.Lock()
	schema := pgSchemas[path]
	pgMu.Unlock()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgBase)
	if err != nil {
		return -1
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
		JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relkind = 'r'`, schema).Scan(&n); err != nil {
		return -1
	}
	return n
}

// pgAnalyze gathers the planner statistics of path's schema.
func pgAnalyze(path string) error {
	pgMu.Lock()
	schema := pgSchemas[path]
	pgMu.Unlock()
	return pgExec("SET search_path = " + schema + "; ANALYZE")
}

// dropSchemas removes what dbArg made.
func dropSchemas() {
	for _, s := range pgSchemas {
		_ = pgExec("DROP SCHEMA IF EXISTS " + s + " CASCADE")
	}
}

func pgExec(sql string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgBase)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
