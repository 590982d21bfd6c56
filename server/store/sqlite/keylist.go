package sqlite

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// keyOrders are the key list's sorts: the leading column (empty for
// created, which is the tie-break of all of them), its direction, and the
// index that serves it. Ties go newest first, then by id.
var keyOrders = map[string]struct{ col, cmp string }{
	"created":   {"", ""},
	"last_used": {"coalesce(last_used, -1)", "<"},
	"name":      {"name COLLATE NOCASE", ">"},
	"requests":  {"request_count", "<"},
	"attention": {"attention", "<"}, // computed: no index, the tenant's keys are ranked
}

// ListKeys reads a page in the order of p.Sort, starting after the given
// key: pages stay stable while keys are added. Search words, the status
// and the attention filter narrow it.
func (Store) ListKeys(ctx context.Context, h store.Handle, tenantID string, p models.KeyListParams, after *store.KeyPos, withTotal bool, now time.Time) (store.KeyPage, error) {
	where := `tenant_id = ?2`
	args := []any{store.MS(now), tenantID}
	arg := func(v any) string {
		args = append(args, v)
		return "?" + strconv.Itoa(len(args))
	}
	for _, w := range store.SearchWords(p.Q) {
		where += ` AND ` + searchSQL(w, arg)
	}
	switch p.Status {
	case models.KeyActive, models.KeyRevoked, models.KeyExpired:
		where += ` AND ` + statusSQL + ` = '` + p.Status + `'` // one of a fixed set
	}
	rank := "0"
	if p.Attention || p.Sort == "attention" {
		rank = attentionSQL(store.CutoffsAt(now), arg)
	}
	inner := `(SELECT *, ` + rank + ` AS attention FROM api_keys WHERE ` + where + `)`
	outer := `1 = 1`
	if p.Attention {
		outer = `attention > 0`
	}
	var out store.KeyPage
	if withTotal {
		if err := h.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+inner+` AS k WHERE `+outer, args...).Scan(&out.Total); err != nil {
			return out, err
		}
	}
	ord, ok := keyOrders[p.Sort]
	if !ok {
		ord = keyOrders["created"]
	}
	order := `created_at DESC, id`
	if ord.col != "" {
		dir := " DESC"
		if ord.cmp == ">" {
			dir = ""
		}
		order = ord.col + dir + `, ` + order
	}
	if after != nil {
		c, id := arg(after.CreatedAt), arg(after.ID)
		rest := `(created_at < ` + c + ` OR (created_at = ` + c + ` AND id > ` + id + `))`
		if ord.col == "" {
			outer += ` AND created_at <= ` + c + ` AND ` + rest
		} else {
			var v string
			switch p.Sort {
			case "name":
				v = arg(after.Name)
			case "requests":
				v = arg(after.Requests)
			case "attention":
				v = arg(after.Attention)
			default:
				v = arg(after.LastUsed)
			}
			bound := map[string]string{"<": "<=", ">": ">="}[ord.cmp]
			outer += ` AND ` + ord.col + ` ` + bound + ` ` + v + ` AND (` + ord.col + ` ` + ord.cmp + ` ` + v + ` OR (` + ord.col + ` = ` + v + ` AND ` + rest + `))`
		}
	}
	type ranked struct {
		k    store.Key
		rank int
	}
	q := `SELECT ` + keyCols + `, attention FROM ` + inner + ` AS k WHERE ` + outer + ` ORDER BY ` + order + ` LIMIT ` + strconv.Itoa(p.PerPage+1)
	keys, err := store.QueryAll(ctx, h, q, args, func(sc store.Scanner) (ranked, error) {
		var r ranked
		var err error
		r.k, err = scanKey(sc, now, &r.rank)
		return r, err
	})
	if err != nil {
		return out, err
	}
	if len(keys) > p.PerPage {
		keys = keys[:p.PerPage]
		r := keys[len(keys)-1]
		k := r.k
		pos := store.KeyPos{LastUsed: -1, CreatedAt: store.MS(k.CreatedAt), Name: k.Name, ID: k.KeyID, Requests: k.RequestCount, Attention: r.rank}
		if k.LastUsed != nil {
			pos.LastUsed = store.MS(*k.LastUsed)
		}
		out.Last = &pos
	}
	out.Keys = make([]models.APIKey, len(keys))
	for i, r := range keys {
		out.Keys[i] = r.k.APIKey
	}
	return out, nil
}

// searchSQL is the condition that a key matches one search word.
func searchSQL(w store.SearchWord, arg func(any) string) string {
	like := arg(w.Like)
	alts := []string{`name LIKE ` + like + ` ESCAPE '\'`, `id LIKE ` + like + ` ESCAPE '\'`,
		`(display_head || '…' || display_tail) LIKE ` + like + ` ESCAPE '\'`}
	in := func(vals []string) string {
		ps := make([]string, len(vals))
		for i, v := range vals {
			ps[i] = arg(v)
		}
		return `(` + strings.Join(ps, `, `) + `)`
	}
	if len(w.Envs) > 0 {
		alts = append(alts, `environment IN `+in(w.Envs))
	}
	if len(w.Statuses) > 0 {
		alts = append(alts, statusSQL+` IN `+in(w.Statuses))
	}
	if w.Rotated {
		alts = append(alts, `(replaced_by != '' AND `+statusSQL+` = 'active')`)
	}
	for _, perm := range w.Perms {
		alts = append(alts, `instr(permissions, `+arg(`"`+perm+`"`)+`) > 0`)
	}
	return `(` + strings.Join(alts, ` OR `) + `)`
}

// attentionSQL ranks a key by store.Cutoffs's rules (the doc there is the
// rule); the hygiene rules in server/keys are the same in Go.
func attentionSQL(c store.Cutoffs, arg func(any) string) string {
	now, since := arg(c.Now), arg(c.RetiredSince)
	var admin []string
	for _, perm := range store.AdminPermissions() {
		admin = append(admin, `instr(permissions, `+arg(`"`+perm+`"`)+`) > 0`)
	}
	return `CASE
		WHEN revoked_at IS NOT NULL THEN CASE WHEN last_used > revoked_at AND last_used >= ` + since + ` THEN 2 ELSE 0 END
		WHEN expires_at IS NOT NULL AND expires_at <= ` + now + ` THEN CASE WHEN last_used > expires_at AND last_used >= ` + since + ` THEN 2 ELSE 0 END
		WHEN replaced_by != '' THEN 0
		WHEN allowed_ips = '[]' AND (` + strings.Join(admin, ` OR `) + `) THEN 2
		WHEN created_at < ` + arg(c.RotateBefore) + ` THEN 1
		WHEN coalesce(last_used, created_at) < ` + arg(c.UnusedBefore) + ` THEN 1
		WHEN environment = 'test' AND (SELECT coalesce(SUM(u.n), 0) FROM usage_rollup u WHERE u.tenant_id = api_keys.tenant_id
			AND u.key_id = api_keys.id AND u.res = 3600 AND u.t >= ` + arg(c.VolumeSince) + `) >= ` + arg(c.Volume) + ` THEN 1
		ELSE 0 END`
}
