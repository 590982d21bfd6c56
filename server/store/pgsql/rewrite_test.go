package pgsql

import "testing"

func TestRewriteTranslatesTheSQLiteConstructsTheStoresUse(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"bare parameters", `SELECT a FROM t WHERE a = ? AND b = ?`, `SELECT a FROM t WHERE a = $1 AND b = $2`},
		{"numbered then bare", `WHERE a = ?1 AND b = ? AND c = ?1`, `WHERE a = $1 AND b = $2 AND c = $1`},
		{"bare after high number", `WHERE a = ?3 AND b = ?`, `WHERE a = $3 AND b = $4`},
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
			if got := Rewrite(tc.in); got != tc.want {
				t.Errorf("Rewrite(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}
