package servertest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/penguinmails/pmdev/server/store/pgsql"
	"github.com/penguinmails/pmdev/server/store/sqlite"
)

// DefaultPostgres is where tests find PostgreSQL unless PMDEV_TEST_POSTGRES says.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test"

// testKey seals webhook secrets in tests on PostgreSQL, where there is no
// key file next to the database.
const testKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

// Postgres reports whether the tests run on PostgreSQL (PMDEV_TEST_DB=postgres).
func Postgres() bool { return os.Getenv("PMDEV_TEST_DB") == "postgres" }

// DB is a fresh database for one test, as a --db value: a SQLite file
// named file in a temporary directory, or with PMDEV_TEST_DB=postgres a
// schema of its own in the PostgreSQL database PMDEV_TEST_POSTGRES names,
// dropped when the test ends. When PostgreSQL does not answer the test is
// skipped, or fails under PMDEV_REQUIRE_SERVICES=1.
func DB(t testing.TB, file string) string {
	t.Helper()
	if !Postgres() {
		return filepath.Join(t.TempDir(), file)
	}
	base := os.Getenv("PMDEV_TEST_POSTGRES")
	if base == "" {
		base = DefaultPostgres
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		msg := "PostgreSQL at " + pgsql.Redact(base) + " does not answer (" + err.Error() + "); start it, set PMDEV_TEST_POSTGRES, or unset PMDEV_TEST_DB to test on SQLite"
		if os.Getenv("PMDEV_REQUIRE_SERVICES") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	defer conn.Close(ctx)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "pmdev_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// WebhookKey is the sealing key a test's server needs: none on SQLite
// (the key file next to the database), a fixed one on PostgreSQL.
func WebhookKey() string {
	if Postgres() {
		return testKey
	}
	return ""
}

// OpenDB opens db (a DB value) beside the server, for tests that read or
// change rows directly; it is closed when the test ends.
func OpenDB(t testing.TB, db string) *sql.DB {
	t.Helper()
	h, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// SQLiteOnly skips a test that is about SQLite itself when the tests run
// on PostgreSQL.
func SQLiteOnly(t testing.TB, why string) {
	t.Helper()
	if Postgres() {
		t.Skip("SQLite only: " + why)
	}
}
