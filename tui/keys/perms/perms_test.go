package perms

import (
	"strings"
	"testing"
)

func TestBadgesFollowTheCatalogue(t *testing.T) {
	got := Badges([]string{"read_analytics", "zz_unknown", "send_email"})
	if got != "send stats zz_unknown" {
		t.Fatalf("badges %q", got)
	}
}

func TestGroupsByCategory(t *testing.T) {
	gs := Groups([]string{"send_email", "read_contacts", "write_contacts", "made_up"})
	if len(gs) < 3 || gs[len(gs)-1][0] != "Other" || !strings.Contains(gs[len(gs)-1][1], "made_up") {
		t.Fatalf("groups %v", gs)
	}
}
