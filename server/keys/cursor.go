package keys

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// listCursor is what a key-list cursor holds: where the next page starts,
// and which query it belongs to (a cursor of another sort or filter would
// skip or repeat keys).
type listCursor struct {
	V     int    `json:"v"`
	Query string `json:"q"` // queryTag of the query
	store.KeyPos
}

// queryTag names p's search, filter and sort.
func queryTag(p models.KeyListParams) string {
	sum := sha256.Sum256([]byte(p.Q + "\x00" + p.Status + "\x00" + p.Sort + "\x00" + strconv.FormatBool(p.Attention)))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

func encodeListCursor(p models.KeyListParams, pos store.KeyPos) string {
	b, _ := json.Marshal(listCursor{V: 1, Query: queryTag(p), KeyPos: pos})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeListCursor reads a cursor of p's query; the error says why not.
func decodeListCursor(p models.KeyListParams) (*store.KeyPos, error) {
	b, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	var c listCursor
	if err != nil || json.Unmarshal(b, &c) != nil || c.V != 1 || c.ID == "" {
		return nil, fmt.Errorf("cursor is not one this endpoint returned; start again without it")
	}
	if c.Query != queryTag(p) {
		return nil, fmt.Errorf("cursor belongs to another search, status or sort; start again without it")
	}
	return &c.KeyPos, nil
}
