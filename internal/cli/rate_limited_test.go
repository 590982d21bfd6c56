package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
)

// A key driven into 429 by real product traffic: the refusal maps to exit
// status 5 with Retry-After in the message, `limits` shows the key at the
// limit, and the README's alert recipe finds it.
func TestRateLimitedKeyExitCodeAndAlert(t *testing.T) {
	a := startRefAPI(t)
	out := a.run(t, "keys", "create", "--name", "hot", "--preset", "read-only", "--json").wantCode(t, 0, "create")
	var k models.CreatedAPIKey
	if err := json.Unmarshal([]byte(out.stdout), &k); err != nil {
		t.Fatal(err)
	}
	cl := client.New(client.Options{BaseURL: a.URL, RetryCount: -1})
	defer cl.Close()
	var refused error
	for i := 0; i < 5000 && refused == nil; i++ {
		if _, _, err := cl.ListCampaigns(context.Background(), k.Plaintext, "", 1); client.StatusOf(err) == 429 {
			refused = err
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if refused == nil {
		t.Fatal("the bucket never emptied")
	}
	var stderr bytes.Buffer
	if code := exitStatus(refused, &stderr); code != 5 {
		t.Fatalf("429: exit %d", code)
	}
	if !regexp.MustCompile(`^pmdev: 429 Too Many Requests: .+ \(Retry-After: \d+ s; retry after \d+s\)\n$`).MatchString(stderr.String()) {
		t.Fatalf("429 message: %q", stderr.String())
	}

	lim := a.runAs(t, a.admin, runOpts{tty: true, width: 120}, "limits").wantCode(t, 0, "limits at the limit")
	// The bucket refills 5 tokens a second: by the time limits runs it may
	// be a token short of empty, near the limit rather than at it.
	if !strings.Contains(lim.stdout, "Busiest  hot") || !(strings.Contains(lim.stdout, "At the limit") || strings.Contains(lim.stdout, "Near the limit")) {
		t.Errorf("limits does not show the spent key:\n%s", lim.stdout)
	}
	// The alert recipe of the README's Scripting section.
	alert := a.run(t, "limits", "--jq", `.keys[] | select(.used >= 0.8 * .burst) | "\(.name)\t\(.used)/\(.burst)"`).wantCode(t, 0, "alert recipe")
	if !strings.HasPrefix(alert.stdout, "hot\t") || strings.Count(alert.stdout, "\n") != 1 {
		t.Errorf("alert recipe printed %q", alert.stdout)
	}
}
