package server

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
)

// errCursor is the position after the last row of a page: rows are ordered
// by (ts, id) descending, so the next page starts strictly below it.
type errCursor struct{ ts, id int64 }

func (c errCursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("e1:%d:%d", c.ts, c.id)))
}

func decodeErrCursor(s string) (errCursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return errCursor{}, false
	}
	var c errCursor
	if n, err := fmt.Sscanf(string(b), "e1:%d:%d", &c.ts, &c.id); err != nil || n != 2 || c.id <= 0 {
		return errCursor{}, false
	}
	return c, c.encode() == s // rejects trailing garbage
}

// queryErrors returns up to limit failed requests in win, newest first,
// starting after cur (nil: from the newest), and each row's position.
func (s *Server) queryErrors(ctx context.Context, tenantID, keyID string, win usageWindow, cur *errCursor, limit int) ([]models.RecentError, []errCursor, error) {
	q := `SELECT e.id, e.ts, e.method, e.route, e.status, e.error_code, e.message, e.key_id, coalesce(k.name, '')
		FROM usage_events e LEFT JOIN api_keys k ON k.id = e.key_id
		WHERE e.tenant_id = ? AND e.status >= 400 AND e.ts >= ? AND e.ts < ?`
	args := []any{tenantID, win.start * 1000, win.end * 1000}
	if keyID != "" {
		q += ` AND e.key_id = ?`
		args = append(args, keyID)
	}
	if cur != nil {
		q += ` AND (e.ts < ? OR (e.ts = ? AND e.id < ?))`
		args = append(args, cur.ts, cur.ts, cur.id)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY e.ts DESC, e.id DESC LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out := []models.RecentError{}
	var pos []errCursor
	for rows.Next() {
		var e models.RecentError
		var c errCursor
		var method, route string
		if err := rows.Scan(&c.id, &c.ts, &method, &route, &e.Status, &e.ErrorCode, &e.Message, &e.KeyID, &e.KeyName); err != nil {
			return nil, nil, err
		}
		e.Time = fromMS(c.ts)
		e.Endpoint = method + " " + route
		out, pos = append(out, e), append(pos, c)
	}
	return out, pos, rows.Err()
}

// handleUsageErrors pages through every failed request of a usage range
// (the console's CSV export); the recent_errors of api-usage stop at 100.
func (s *Server) handleUsageErrors(w http.ResponseWriter, r *http.Request) {
	u := httpx.UserFrom(r.Context())
	q := r.URL.Query()
	// The same window the analytics of this range read, so the export holds
	// exactly the errors the charts count.
	win, ok := s.requestWindow(w, r)
	if !ok {
		return
	}
	limit := models.UsageErrorsDefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > models.UsageErrorsMaxLimit {
			httpx.WriteProblem(w, fieldProblem("invalid_parameter", "limit", fmt.Sprintf("limit must be between 1 and %d", models.UsageErrorsMaxLimit)))
			return
		}
		limit = n
	}
	var cur *errCursor
	if v := q.Get("cursor"); v != "" {
		c, ok := decodeErrCursor(v)
		if !ok {
			httpx.WriteProblem(w, fieldProblem("invalid_parameter", "cursor", "cursor is not one this endpoint returned; start again without it"))
			return
		}
		cur = &c
	}
	keyID := q.Get("key_id")
	if keyID != "" {
		if _, ok := s.loadKeyID(w, r, keyID); !ok {
			return
		}
	}
	// One row more than asked tells whether another page exists.
	errs, pos, err := s.queryErrors(r.Context(), u.TenantID, keyID, win, cur, limit+1)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := models.UsageErrorPage{From: fromMS(win.start * 1000), To: fromMS(win.end * 1000), Errors: errs}
	if len(errs) > limit {
		out.Errors = errs[:limit]
		out.NextCursor = pos[limit-1].encode()
	}
	w.Header().Set("Cache-Control", "private, no-store")
	httpx.WriteJSON(w, http.StatusOK, out)
}
