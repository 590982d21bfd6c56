package usage

import (
	"testing"

	"github.com/penguinmails/pmdev/server/store"
)

func TestErrCursorRoundTrip(t *testing.T) {
	c := store.ErrorPos{TS: 1767225600123, ID: 42}
	got, ok := decodeCursor(encodeCursor(c))
	if !ok || got != c {
		t.Fatalf("round trip %v %v", got, ok)
	}
	for _, bad := range []string{"", "bogus", encodeCursor(c) + "x", "ZTE6MTow" /* id 0 */} {
		if _, ok := decodeCursor(bad); ok {
			t.Errorf("cursor %q accepted", bad)
		}
	}
}
