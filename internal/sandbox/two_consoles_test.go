package sandbox

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
)

// Two console windows on one machine open the same sandbox at once: the
// second starts and serves like the first (a personal sandbox takes no
// instance lease that would refuse it).
func TestTwoConsolesShareTheSandbox(t *testing.T) {
	db := filepath.Join(t.TempDir(), "pm.db")
	o := Options{DBPath: db, Email: "admin@acme.test", Logger: slog.New(slog.DiscardHandler)}
	a, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Start(context.Background(), o)
	if err != nil {
		t.Fatalf("second console: %v", err)
	}
	defer b.Close()
	for _, sb := range []*Sandbox{a, b} {
		req, _ := http.NewRequest("GET", sb.BaseURL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+sb.Token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("%s: /me %d", sb.BaseURL, res.StatusCode)
		}
	}
}
