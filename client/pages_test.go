package client

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
)

// refClient is a client of the demo-seeded reference server, as its admin.
func refClient(t *testing.T) *Client {
	t.Helper()
	ctx := context.Background()
	srv, err := server.Open(ctx, server.Config{DBPath: filepath.Join(t.TempDir(), "pm.db"), Seed: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		_ = srv.Close(context.Background())
	})
	tok, err := srv.MintToken(ctx, "admin@acme.test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := New(Options{BaseURL: ts.URL, Token: tok, Unconditional: true})
	t.Cleanup(c.Close)
	return c
}

func keyIDs(keys []models.APIKey) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.KeyID)
	}
	return out
}

// ListAllKeys follows pages in order and stops at the limit, saying whether
// more exist; the same list read twice comes back twice.
func TestListAllKeysFollowsPages(t *testing.T) {
	c := refClient(t)
	ctx := context.Background()
	one, err := c.ListKeys(ctx, models.KeyListParams{PerPage: 1000, Sort: "name"})
	if err != nil {
		t.Fatal(err)
	}
	defer func(n int) { keyPageSize = n }(keyPageSize)
	keyPageSize = 2
	for _, tc := range []struct {
		limit, want int
		more        bool
	}{{0, one.Total, false}, {3, 3, true}, {one.Total, one.Total, false}, {one.Total + 5, one.Total, false}} {
		for range 2 {
			got, more, err := c.ListAllKeys(ctx, models.KeyListParams{Sort: "name"}, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want || more != tc.more || !slices.Equal(keyIDs(got), keyIDs(one.APIKeys)[:tc.want]) {
				t.Fatalf("limit %d: %d keys (more %v), want the first %d in order (more %v)", tc.limit, len(got), more, tc.want, tc.more)
			}
		}
	}
}

// Every filter of the single page reaches each page of ListAllKeys.
func TestListAllKeysKeepsTheFilters(t *testing.T) {
	c := refClient(t)
	ctx := context.Background()
	p := models.KeyListParams{Sort: "name", Attention: true}
	one, err := c.ListKeys(ctx, models.KeyListParams{Sort: "name", Attention: true, PerPage: 1000})
	if err != nil || one.Total == 0 || one.Total == len(mustList(t, c).APIKeys) {
		t.Fatalf("the demo should have some keys needing attention, not all: %d (%v)", one.Total, err)
	}
	defer func(n int) { keyPageSize = n }(keyPageSize)
	keyPageSize = 2
	got, _, err := c.ListAllKeys(ctx, p, 0)
	if err != nil || !slices.Equal(keyIDs(got), keyIDs(one.APIKeys)) {
		t.Fatalf("paged %v, one page %v (%v)", keyIDs(got), keyIDs(one.APIKeys), err)
	}
}

func mustList(t *testing.T, c *Client) models.APIKeyList {
	t.Helper()
	l, err := c.ListKeys(context.Background(), models.KeyListParams{PerPage: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// AllRateLimits gathers every key's bucket across pages, busiest first as
// one large page has them, and stops at the limit with a cursor for more.
func TestAllRateLimitsFollowsPages(t *testing.T) {
	c := refClient(t)
	ctx := context.Background()
	one, err := c.RateLimitsPage(ctx, models.RateLimitParams{Limit: 100})
	if err != nil || one.NextCursor != "" || len(one.Keys) < 4 {
		t.Fatalf("one page: %d keys, cursor %q, %v", len(one.Keys), one.NextCursor, err)
	}
	ids := func(ks []models.KeyRateLimit) []string {
		var out []string
		for _, k := range ks {
			out = append(out, k.KeyID)
		}
		return out
	}
	defer func(n int) { rateLimitPageSize = n }(rateLimitPageSize)
	rateLimitPageSize = 2
	all, err := c.AllRateLimits(ctx, 0)
	if err != nil || all.NextCursor != "" || !slices.Equal(ids(all.Keys), ids(one.Keys)) || all.Plan != one.Plan {
		t.Fatalf("pages of 2: %v (cursor %q), %v; want %v", ids(all.Keys), all.NextCursor, err, ids(one.Keys))
	}
	three, err := c.AllRateLimits(ctx, 3)
	if err != nil || len(three.Keys) != 3 || three.NextCursor == "" || !slices.Equal(ids(three.Keys), ids(one.Keys)[:3]) {
		t.Fatalf("limit 3: %v (cursor %q), %v", ids(three.Keys), three.NextCursor, err)
	}
}

func TestAllUsageErrorsFollowsTheCursor(t *testing.T) {
	c := refClient(t)
	ctx := context.Background()
	p := models.UsageParams{Range: models.Range30d}
	whole, err := c.UsageErrors(ctx, p, "", 10)
	if err != nil || whole.NextCursor == "" || len(whole.Errors) != 10 {
		t.Fatalf("one page of 10: %d errors, %v (cursor %q)", len(whole.Errors), err, whole.NextCursor)
	}
	defer func(n int) { errorPageSize = n }(errorPageSize)
	errorPageSize = 4
	got, more, err := c.AllUsageErrors(ctx, p, 10)
	if err != nil || !more || !slices.Equal(got, whole.Errors) {
		t.Fatalf("pages of 4 up to 10: %d errors (more %v), %v; want the page of 10", len(got), more, err)
	}
	short := models.UsageParams{Range: models.RangeCustom, From: time.Now().Add(-time.Minute)}
	none, more, err := c.AllUsageErrors(ctx, short, 0)
	if err != nil || more || len(none) > 4 {
		t.Fatalf("last minute: %d errors, more %v, %v", len(none), more, err)
	}
}

// An unconditional client reads a conditional route twice in full; the
// console's client gets ErrNotModified the second time.
func TestUnconditionalClientRereads(t *testing.T) {
	c := refClient(t)
	ctx := context.Background()
	for range 2 {
		if _, err := c.RateLimits(ctx); err != nil {
			t.Fatalf("unconditional: %v", err)
		}
	}
	cond := New(Options{BaseURL: c.BaseURL(), Token: c.rc.Token})
	defer cond.Close()
	if _, err := cond.ListWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := cond.ListWebhooks(ctx); err != ErrNotModified {
		t.Fatalf("conditional second read: %v, want ErrNotModified", err)
	}
}
