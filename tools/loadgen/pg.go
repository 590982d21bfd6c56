package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

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
	ctx := context.Background()
	conn, schema, err := schemaConn(ctx, path)
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

// schemaConn connects to the database and names path's schema.
func schemaConn(ctx context.Context, path string) (*pgx.Conn, string, error) {
	pgMu.Lock()
	schema := pgSchemas[path]
	pgMu.Unlock()
	conn, err := pgx.Connect(ctx, pgBase)
	return conn, schema, err
}

// relStat is one table's or index's size and, for a table, its dead row
// versions and updates (all, and those that were HOT: no new index entry).
type relStat struct {
	bytes          int64
	dead, upd, hot int64
}

// pgRelations is every table and index of path's schema.
func pgRelations(path string) map[string]relStat {
	ctx := context.Background()
	conn, schema, err := schemaConn(ctx, path)
	if err != nil {
		return nil
	}
	defer conn.Close(ctx)
	// A stopped server's counters reach pg_stat_user_tables shortly after.
	_, _ = conn.Exec(ctx, "SELECT pg_sleep(0.5)")
	rows, err := conn.Query(ctx, `SELECT c.relname, pg_total_relation_size(c.oid) - CASE WHEN c.relkind = 'r' THEN pg_indexes_size(c.oid) ELSE 0 END,
		coalesce(t.n_dead_tup, 0), coalesce(t.n_tup_upd, 0), coalesce(t.n_tup_hot_upd, 0)
		FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace LEFT JOIN pg_stat_user_tables t ON t.relid = c.oid
		WHERE s.nspname = $1 AND c.relkind IN ('r', 'i')`, schema)
	if err != nil {
		return nil
	}
	defer rows.Close()
	m := map[string]relStat{}
	for rows.Next() {
		var name string
		var r relStat
		if rows.Scan(&name, &r.bytes, &r.dead, &r.upd, &r.hot) == nil {
			m[name] = r
		}
	}
	return m
}

// printGrowth lists the relations that grew between before and after, largest first.
func printGrowth(before, after map[string]relStat) {
	names := make([]string, 0, len(after))
	for n, a := range after {
		if a.bytes != before[n].bytes {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		return after[names[i]].bytes-before[names[i]].bytes > after[names[j]].bytes-before[names[j]].bytes
	})
	for _, n := range names {
		a, b := after[n], before[n]
		fmt.Printf("  %-28s %8.0f kB (+%6.0f kB)", n, float64(a.bytes)/1e3, float64(a.bytes-b.bytes)/1e3)
		if a.upd > 0 || a.dead > 0 {
			fmt.Printf("  dead %d, updates %d (HOT %d)", a.dead, a.upd-b.upd, a.hot-b.hot)
		}
		fmt.Println()
	}
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

// pgCPU is the CPU PostgreSQL's processes have used on this machine: the
// postmaster's own and its reaped children's (backends and autovacuum
// workers that exited), plus every live child's. Only comparable between
// two reads on a machine where nothing else uses this PostgreSQL.
func pgCPU() time.Duration {
	ents, _ := os.ReadDir("/proc")
	var total time.Duration
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		comm, f, err := procStat(e.Name())
		if err != nil || comm != "postgres" {
			continue
		}
		parent, _ := os.ReadFile("/proc/" + f[1] + "/comm")
		n := 2 // utime, stime
		if strings.TrimSpace(string(parent)) != "postgres" {
			n = 4 // the postmaster: with its reaped children's cutime, cstime
		}
		total += ticks(f[11 : 11+n])
	}
	return total
}
