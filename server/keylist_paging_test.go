package server

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/internal/servertest"

	"github.com/penguinmails/pmdev/models"
)

// Walking the key list page by page with next_cursor visits every key
// exactly once in every sort, even while keys are created between pages;
// a cursor only continues its own query.
func TestKeyListCursorPagesStableUnderInserts(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("admin@p.test", models.RoleAdmin, "P", models.PlanBusiness)
	var keys []models.CreatedAPIKey
	for i := range 23 {
		// Names repeat case-insensitively and creation times tie, so the
		// tie-breaks are exercised.
		keys = append(keys, e.createKey(tok, models.CreateAPIKeyRequest{Name: fmt.Sprintf("Key %c", 'a'+i%5), Permissions: []string{"read_campaigns"}}))
		if i%3 == 0 {
			e.clock.Advance(time.Second)
		}
		if i%4 == 0 {
			e.must("GET", "/api/v1/campaigns", keys[i].Plaintext, nil, 200, nil)
		}
	}
	e.s.Flush()
	for _, sortBy := range []string{"created", "last_used", "name", "requests", "attention"} {
		var all models.APIKeyList
		e.must("GET", "/api/v1/platform/api-keys?per_page=1000&sort="+sortBy, tok, nil, 200, &all)
		var want []string
		for _, k := range all.APIKeys {
			want = append(want, k.KeyID)
		}
		var got []string
		cursor, pages := "", 0
		for {
			var page models.APIKeyList
			q := "/api/v1/platform/api-keys?per_page=4&sort=" + sortBy
			if cursor != "" {
				q += "&cursor=" + url.QueryEscape(cursor)
			}
			e.must("GET", q, tok, nil, 200, &page)
			if (cursor == "") != (page.Total > 0) {
				t.Fatalf("%s: total %d on a page with cursor %q (only the first page carries it)", sortBy, page.Total, cursor)
			}
			for _, k := range page.APIKeys {
				got = append(got, k.KeyID)
			}
			pages++
			// A new key between pages sorts first (newest, never used,
			// or "A…" by name): it must not shift what follows.
			e.clock.Advance(time.Second)
			e.createKey(tok, models.CreateAPIKeyRequest{Name: "A new " + fmt.Sprint(pages), Permissions: []string{"read_campaigns"}})
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		// Keys created meanwhile show up only where they sort after the
		// page being read; the others come once each, in order.
		seen := map[string]bool{}
		var old []string
		for _, id := range got {
			if seen[id] {
				t.Fatalf("sort %s: key %s on two pages", sortBy, id)
			}
			seen[id] = true
			if slices.Contains(want, id) {
				old = append(old, id)
			}
		}
		if !slices.Equal(old, want) {
			t.Errorf("sort %s: pages gave %v, want %v", sortBy, old, want)
		}
		if pages < (len(want)+3)/4 {
			t.Errorf("sort %s: %d pages of 4 for %d keys", sortBy, pages, len(want))
		}
	}
	// A cursor of one sort does not continue another.
	var first models.APIKeyList
	e.must("GET", "/api/v1/platform/api-keys?per_page=2&sort=name", tok, nil, 200, &first)
	if p := e.do("GET", "/api/v1/platform/api-keys?per_page=2&sort=created&cursor="+url.QueryEscape(first.NextCursor), tok, nil).prob(t); p.Status != 400 {
		t.Fatalf("cursor of another sort: %+v", p)
	}
}

// Every sort of the key list reads through an index (no sort step, no scan).
func TestKeyListSortsUseIndexes(t *testing.T) {
	servertest.SQLiteOnly(t, "reads SQLite's query plans")
	e := newEnv(t, "")
	for _, order := range []string{"created_at DESC, id", "coalesce(last_used, -1) DESC, created_at DESC, id", "name COLLATE NOCASE, created_at DESC, id",
		"request_count DESC, created_at DESC, id"} {
		// The list's own shape: a ranked subquery (rank 0 unless the
		// attention sort or filter asks for it) that SQLite flattens.
		rows, err := e.s.db.Query(`EXPLAIN QUERY PLAN SELECT id, attention FROM (SELECT *, 0 AS attention FROM api_keys WHERE tenant_id = ?)
			WHERE 1 ORDER BY `+order+` LIMIT 10`, "t")
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, d := range plan {
			if d == "USE TEMP B-TREE FOR ORDER BY" || (len(d) > 4 && d[:4] == "SCAN") {
				t.Errorf("ORDER BY %s: plan %v", order, plan)
			}
		}
	}
}
