package pgsql

import (
	"strings"
	"testing"
)

func TestRedactHidesPasswordsOnly(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://pm:s3cret@db:5432/pm?sslmode=require", "postgres://pm:xxxxx@db:5432/pm?sslmode=require"},
		{"postgresql://pm:p%40ss@db/pm", "postgresql://pm:xxxxx@db/pm"},
		{"postgres://pm@db/pm?password=s3cret&search_path=a", "postgres://pm@db/pm?password=xxxxx&search_path=a"},
		{"postgres://pm@db/pm", "postgres://pm@db/pm"},
		{"/var/lib/pmdev/pmdev.db", "/var/lib/pmdev/pmdev.db"},
	} {
		got := Redact(tc.in)
		if got != tc.want || strings.Contains(got, "s3cret") || strings.Contains(got, "p%40ss") {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsURLSelectsPostgres(t *testing.T) {
	for in, want := range map[string]bool{
		"postgres://h/db": true, "postgresql://h/db": true, "pmdev.db": false, "file:postgres://x": false, "": false,
	} {
		if IsURL(in) != want {
			t.Errorf("IsURL(%q) = %v", in, !want)
		}
	}
}
