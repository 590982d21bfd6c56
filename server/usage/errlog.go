package usage

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/store"
)

// encodeCursor is the position after the last row of a page: rows are
// ordered by (ts, id) descending, so the next page starts strictly below it.
func encodeCursor(c store.ErrorPos) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("e1:%d:%d", c.TS, c.ID)))
}

func decodeCursor(s string) (store.ErrorPos, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return store.ErrorPos{}, false
	}
	var c store.ErrorPos
	if n, err := fmt.Sscanf(string(b), "e1:%d:%d", &c.TS, &c.ID); err != nil || n != 2 || c.ID <= 0 {
		return store.ErrorPos{}, false
	}
	return c, encodeCursor(c) == s // rejects trailing garbage
}

// errors returns up to limit failed requests in win, newest first,
// starting after cur (nil: from the newest), and each row's position.
func (s *Service) errors(ctx context.Context, tenantID, keyID string, win window, cur *store.ErrorPos, limit int) ([]models.RecentError, []store.ErrorPos, error) {
	return s.st.UsageErrors(ctx, s.db, store.ErrorQuery{TenantID: tenantID, KeyID: keyID, StartMS: win.start * 1000, EndMS: win.end * 1000,
		After: cur, Limit: limit})
}

// ErrorPage pages through every failed request of a usage range (the
// console's CSV export); the recent_errors of api-usage stop at 100.
func (s *Service) ErrorPage(ctx context.Context, u *httpx.User, q url.Values) (models.UsageErrorPage, error) {
	// The same window the analytics of this range read, so the export holds
	// exactly the errors the charts count.
	win, err := s.window(ctx, u, q)
	if err != nil {
		return models.UsageErrorPage{}, err
	}
	bad := func(field, msg string) (models.UsageErrorPage, error) {
		return models.UsageErrorPage{}, httpx.Fail(httpx.FieldProblem("invalid_parameter", field, msg))
	}
	limit := models.UsageErrorsDefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > models.UsageErrorsMaxLimit {
			return bad("limit", fmt.Sprintf("limit must be between 1 and %d", models.UsageErrorsMaxLimit))
		}
		limit = n
	}
	var cur *store.ErrorPos
	if v := q.Get("cursor"); v != "" {
		c, ok := decodeCursor(v)
		if !ok {
			return bad("cursor", "cursor is not one this endpoint returned; start again without it")
		}
		cur = &c
	}
	keyID := q.Get("key_id")
	if keyID != "" {
		if _, err := s.keyOf(ctx, u, keyID); err != nil {
			return models.UsageErrorPage{}, err
		}
	}
	// One row more than asked tells whether another page exists.
	errs, pos, err := s.errors(ctx, u.TenantID, keyID, win, cur, limit+1)
	if err != nil {
		return models.UsageErrorPage{}, err
	}
	out := models.UsageErrorPage{From: store.FromMS(win.start * 1000), To: store.FromMS(win.end * 1000), Errors: errs}
	if len(errs) > limit {
		out.Errors = errs[:limit]
		out.NextCursor = encodeCursor(pos[limit-1])
	}
	return out, nil
}
