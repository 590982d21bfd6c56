package sqlite_test

import (
	"context"
	"sync"
	"testing"

	"github.com/penguinmails/pmdev/server/internal/servertest"
	"github.com/penguinmails/pmdev/server/store/sqlite"
)

// Instances starting together on a new database migrate it once: none
// fails on a table another just made.
func TestInstancesStartingTogetherMigrateOnce(t *testing.T) {
	db := servertest.DB(t, "pm.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			h, err := sqlite.Open(context.Background(), db)
			if err == nil {
				h.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
	h := servertest.OpenDB(t, db)
	var n, distinct int
	if err := h.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != distinct || n < 10 {
		t.Fatalf("schema_migrations holds %d rows, %d versions", n, distinct)
	}
}
