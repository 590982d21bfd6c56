package server

import (
	"testing"

	"github.com/penguinmails/pmdev/server/internal/servertest"

	"github.com/penguinmails/pmdev/models"
)

// Every migration can run again over a database that already has its
// tables, indexes and columns (as databases of intermediate builds do).
func TestMigrationsAreIdempotent(t *testing.T) {
	path := servertest.DB(t, "pm.db")
	e, _ := openLogged(t, path)
	e.addUser("a@m.test", models.RoleAdmin, "M", "")
	e.close()
	db := openRaw(t, path)
	if _, err := db.Exec(`DELETE FROM schema_migrations`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	e2, _ := openLogged(t, path)
	var n, users int
	if err := e2.s.db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n < 6 {
		t.Fatalf("migrations recorded: %d (%v)", n, err)
	}
	if err := e2.s.db.QueryRow(`SELECT COUNT(*) FROM users`).Scan(&users); err != nil || users != 1 {
		t.Fatalf("users after re-migration: %d (%v)", users, err)
	}
}
