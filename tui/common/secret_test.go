package common

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret("pm_live_REAL")
	var log strings.Builder
	slog.New(slog.NewTextHandler(&log, nil)).Info("x", "key", s)
	j, _ := json.Marshal(struct{ K Secret }{s})
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v", s, s, s), log.String(), string(j)} {
		if strings.Contains(out, "REAL") {
			t.Fatalf("secret leaked: %s", out)
		}
	}
	if s.Reveal() != "pm_live_REAL" {
		t.Fatal("Reveal lost the plaintext")
	}
}
