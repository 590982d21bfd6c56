package sqlite

import (
	"strings"
	"testing"
)

func TestSplitSQL(t *testing.T) {
	got := splitSQL("-- a; comment\nCREATE TABLE t (a TEXT DEFAULT 'x;y'); -- tail;\n\nALTER TABLE t ADD COLUMN b INT;\n")
	if len(got) != 2 || !strings.Contains(got[0], "'x;y'") || !strings.HasPrefix(got[1], "ALTER TABLE t ADD COLUMN b") {
		t.Fatalf("splitSQL = %q", got)
	}
}
