package pgsql

import (
	"slices"
	"testing"
)

func TestRewriteTranslatesTheSQLiteConstructsTheStoresUse(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"bare parameters", `SELECT a FROM t WHERE a = ? AND b = ?`, `SELECT a FROM t WHERE a = $1 AND b = $2`},
		{"numbered then bare", `WHERE a = ?1 AND b = ? AND c = ?1`, `WHERE a = $1 AND b = $2 AND c = $1`},
		{"bare after high number", `WHERE a = ?3 AND b = ?`, `WHERE a = $1 AND b = $2`},
		{"quotes untouched", `SELECT '?', "like" FROM t WHERE a LIKE ? ESCAPE '\'`, `SELECT '?', "like" FROM t WHERE a ILIKE $1 ESCAPE '\'`},
		{"doubled quote", `SELECT 'it''s ?' , ?`, `SELECT 'it''s ?' , $1`},
		{"comments untouched", "SELECT 1 -- max(a, ?)\n, ? /* ? */", "SELECT 1 -- max(a, ?)\n, $1 /* ? */"},
		{"scalar max", `SET peak = max(peak, excluded.peak)`, `SET peak = greatest(peak, excluded.peak)`},
		{"nested scalar max", `max(coalesce(a, 0), b)`, `greatest(coalesce(a, 0), b)`},
		{"aggregate max stays", `SELECT MAX(attempt), MIN(t) FROM x`, `SELECT MAX(attempt), MIN(t) FROM x`},
		{"aggregate of call stays", `SELECT max(coalesce(a, b)) FROM x`, `SELECT max(coalesce(a, b)) FROM x`},
		{"instr", `instr(permissions, ?) > 0`, `strpos(permissions, $1) > 0`},
		{"column named like a function", `SELECT instr_count FROM x`, `SELECT instr_count FROM x`},
		{"insert or ignore", `INSERT OR IGNORE INTO t(a) VALUES (?)`, `INSERT INTO t(a) VALUES ($1) ON CONFLICT DO NOTHING`},
		{"insert or ignore returning", `INSERT OR IGNORE INTO t(a) VALUES (?) RETURNING a`, `INSERT INTO t(a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING a`},
		{"plain insert", `INSERT INTO t(a) VALUES (?)`, `INSERT INTO t(a) VALUES ($1)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := Rewrite(tc.in); got != tc.want {
				t.Errorf("Rewrite(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRewriteDropsUnusedParameters(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		args           []int
	}{
		{"all used", `a = ? AND b = ?`, `a = $1 AND b = $2`, []int{1, 2}},
		{"first unused", `tenant_id = ?2 AND x = ?3`, `tenant_id = $1 AND x = $2`, []int{2, 3}},
		{"gap", `a = ?1 AND c = ?3 OR d = ?1`, `a = $1 AND c = $2 OR d = $1`, []int{1, 3}},
		{"none", `SELECT 1`, `SELECT 1`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, args := Rewrite(tc.in)
			if got != tc.want || !slices.Equal(args, tc.args) {
				t.Errorf("Rewrite(%q) = %q %v, want %q %v", tc.in, got, args, tc.want, tc.args)
			}
		})
	}
}
