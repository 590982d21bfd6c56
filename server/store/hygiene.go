package store

import (
	"strings"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// What the key list's search and its "needs attention" filter and sort
// need from every SQL implementation, decided here once in Go: the words
// of a search and what each may match, and the hygiene rules' cutoffs.

// SearchWord is one word of a key search. A key matches a word when its
// name, id or masked key contains it (Like), or its environment, status
// or one of its permissions is one the word names.
type SearchWord struct {
	Like     string   // LIKE pattern with \ as the escape
	Envs     []string // environments containing the word
	Statuses []string // statuses containing the word
	// Rotated: "rotated" contains the word (active keys in a grace period
	// read "rotated" in the list).
	Rotated bool
	// Perms are the permissions whose name, label or list badge contains
	// the word.
	Perms []string
}

// maxSearchWords bounds the words of one search (the query is at most 100
// characters anyway).
const maxSearchWords = 8

// SearchWords splits q into words, each of which a listed key must match
// (case-insensitively).
func SearchWords(q string) []SearchWord {
	var out []SearchWord
	for _, w := range strings.Fields(strings.ToLower(q)) {
		if len(out) == maxSearchWords {
			break
		}
		sw := SearchWord{Like: LikePattern(w), Rotated: strings.Contains("rotated", w)}
		for _, e := range []string{models.EnvLive, models.EnvTest} {
			if strings.Contains(e, w) {
				sw.Envs = append(sw.Envs, e)
			}
		}
		for _, st := range []string{models.KeyActive, models.KeyRevoked, models.KeyExpired} {
			if strings.Contains(st, w) {
				sw.Statuses = append(sw.Statuses, st)
			}
		}
		for _, p := range models.PermissionCatalogue() {
			if strings.Contains(p.Name, w) || strings.Contains(strings.ToLower(p.Label), w) || strings.Contains(strings.ToLower(models.PermissionBadge(p.Name)), w) {
				sw.Perms = append(sw.Perms, p.Name)
			}
		}
		out = append(out, sw)
	}
	return out
}

// LikePattern is a LIKE pattern (escape \) matching strings containing s.
func LikePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// Attention ranks: the most severe recommendation of a key.
const (
	AttentionNone   = 0 // no recommendation, or low ones only
	AttentionMedium = 1
	AttentionHigh   = 2
)

// Cutoffs are the hygiene rules' bounds at one instant, as stored values
// (unix ms, hourly rollup starts in unix seconds). The rules, in Go
// (server/keys) and in SQL (the list's filter and sort), read these only.
//
// An unrevoked key past its expiry, or a revoked one, ranks high when it
// was last called after it stopped working and at or after RetiredSince;
// otherwise it ranks none. An active key in a rotation's grace period
// (replaced_by set) ranks none. Any other active key ranks high when it
// holds an admin-category permission and has no IP allow-list; medium when
// it was created before RotateBefore, or last used (created, if never
// used) before UnusedBefore, or is a test key whose hourly rollups from
// VolumeSince hold at least Volume requests; else none.
type Cutoffs struct {
	Now          int64 // ms
	RotateBefore int64 // ms: created_at < this is "older than 90 days"
	UnusedBefore int64 // ms
	RetiredSince int64 // ms
	VolumeSince  int64 // unix seconds: the first hourly rollup counted
	Volume       int64
}

// CutoffsAt are the cutoffs at now.
func CutoffsAt(now time.Time) Cutoffs {
	day := 24 * time.Hour
	return Cutoffs{
		Now:          MS(now),
		RotateBefore: MS(now.Add(-models.KeyRotateAfterDays * day)),
		UnusedBefore: MS(now.Add(-models.KeyUnusedDays * day)),
		RetiredSince: MS(now.Add(-models.RetiredKeyDays * day)),
		VolumeSince:  AlignDown(now.Add(-day).Unix(), 3600),
		Volume:       models.TestKeyDailyVolume,
	}
}

// AdminPermissions are the permissions whose keys should have an IP allow-list.
func AdminPermissions() []string {
	var out []string
	for _, p := range models.PermissionCatalogue() {
		if p.Admin {
			out = append(out, p.Name)
		}
	}
	return out
}

// WindowCount is a key's requests in a window, and how many of them were
// refused because the key was revoked or expired (status 401).
type WindowCount struct {
	N, Refused int64
}

// KeyBucket is one bucket of a key's request totals.
type KeyBucket struct {
	KeyID string
	T, N  int64 // bucket start (unix seconds), requests
}
