package cli

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

func TestUsageReportAndErrors(t *testing.T) {
	a := startRefAPI(t)
	tty := a.runAs(t, a.admin, runOpts{tty: true, width: 120}, "usage", "--range", "7d").wantCode(t, 0, "usage (tty)")
	for _, want := range []string{"API usage · last 7 days · 1-hour buckets", "Requests", "Success rate", "Volume", "Endpoints", "ENDPOINT", "Keys"} {
		if !strings.Contains(tty.stdout, want) {
			t.Errorf("usage lacks %q:\n%s", want, tty.stdout)
		}
	}
	plain := a.run(t, "usage", "--range", "24h").wantCode(t, 0, "usage (pipe)")
	if !strings.HasPrefix(plain.stdout, "from:\t") || !strings.Contains(plain.stdout, "\nrequests:\t") ||
		!strings.Contains(plain.stdout, "\nprevious_requests:\t") || strings.Contains(plain.stdout, "\nprevious_requests:\t\n") {
		t.Errorf("script lines: %q", plain.stdout)
	}
	js := a.run(t, "usage", "--from", "3d", "--key", "Production Server", "--json").wantCode(t, 0, "usage custom --json")
	validate(t, "APIUsage", js.stdout)
	if !strings.Contains(js.stdout, `"range":"custom"`) {
		t.Errorf("custom range not sent: %.200s", js.stdout)
	}
	// Without requests there is no success rate, piped or on a terminal.
	none := a.run(t, "usage", "--from", "2001-01-01", "--to", "2001-01-02").wantCode(t, 0, "usage of an empty window")
	if !strings.Contains(none.stdout, "\nsuccess_rate:\t-\n") {
		t.Errorf("empty window, piped: %q", none.stdout)
	}
	noneTTY := a.runAs(t, a.admin, runOpts{tty: true, width: 120}, "usage", "--from", "2001-01-01", "--to", "2001-01-02").wantCode(t, 0, "empty window (tty)")
	if strings.Contains(noneTTY.stdout, "100%") {
		t.Errorf("empty window on a terminal shows a success rate:\n%s", noneTTY.stdout)
	}
	jq := a.run(t, "usage", "--jq", ".totals.requests > 0").wantCode(t, 0, "usage --jq")
	if strings.TrimSpace(jq.stdout) != "true" {
		t.Errorf("--jq printed %q", jq.stdout)
	}

	errs := a.run(t, "usage", "errors", "--range", "30d", "--json").wantCode(t, 0, "usage errors --json")
	validate(t, "[RecentError]", errs.stdout)
	rows := a.run(t, "usage", "errors", "--range", "30d", "-L", "5").wantCode(t, 0, "usage errors (pipe)")
	lines := strings.Split(strings.TrimSpace(rows.stdout), "\n")
	if len(lines) != 5 || len(strings.Split(lines[0], "\t")) != 7 {
		t.Fatalf("want 5 rows of the CSV's 7 columns: %q", rows.stdout)
	}
	file := filepath.Join(t.TempDir(), "errors.csv")
	a.runAs(t, a.admin, runOpts{tty: true}, "usage", "errors", "--range", "30d", "--export", file).wantCode(t, 0, "export")
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(recs) < 6 || strings.Join(recs[0], ",") != "time,endpoint,status,error_code,message,key_id,key_name" {
		t.Fatalf("export: %d records, %v, header %v", len(recs), err, recs[0])
	}
	if strings.Join(recs[1], "\t") != lines[0] {
		t.Errorf("CSV row and script row differ:\n%v\n%q", recs[1], lines[0])
	}
	again := a.run(t, "usage", "errors", "--range", "30d", "--export", file).wantCode(t, 1, "export over a file")
	if !strings.Contains(again.stderr, "exists") {
		t.Errorf("stderr %q", again.stderr)
	}
}

func TestLimitsOnceAndWatch(t *testing.T) {
	a := startRefAPI(t)
	tty := a.runAs(t, a.admin, runOpts{tty: true, width: 120}, "limits").wantCode(t, 0, "limits (tty)")
	for _, want := range []string{"Rate limits", "Professional plan", "Busiest", "NAME", "USED", "FULL IN", "Production Server"} {
		if !strings.Contains(tty.stdout, want) {
			t.Errorf("limits lacks %q:\n%s", want, tty.stdout)
		}
	}
	js := a.run(t, "limits", "--json").wantCode(t, 0, "limits --json")
	validate(t, "RateLimits", js.stdout)
	plain := a.run(t, "limits").wantCode(t, 0, "limits (pipe)")
	if f := strings.Split(strings.SplitN(plain.stdout, "\n", 2)[0], "\t"); len(f) != 7 || len(f[0]) != 36 {
		t.Errorf("script row %q", f)
	}

	// --watch stops when interrupted with 130, as listen and logs tail do:
	// plain lines off a terminal,
	// one JSON document per poll with --json, redraws on a terminal.
	watch := func(o runOpts, args ...string) result {
		ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
		defer cancel()
		o.ctx = ctx
		return a.runAs(t, a.admin, o, append([]string{"limits", "--watch", "--interval", "1s"}, args...)...)
	}
	lines := watch(runOpts{}).wantCode(t, 130, "watch (pipe)")
	if !strings.HasSuffix(lines.stderr, "pmdev: interrupted\n") {
		t.Errorf("interrupted watch: stderr %q", lines.stderr)
	}
	if n := strings.Count(lines.stdout, "\n"); n < 2 || n > 4 || strings.Contains(lines.stdout, "\x1b") {
		t.Errorf("watch lines: %q", lines.stdout)
	}
	for _, l := range strings.Split(strings.TrimSpace(lines.stdout), "\n") {
		if f := strings.Split(l, "\t"); len(f) != 8 {
			t.Errorf("watch line %q: want 8 fields", l)
		}
	}
	docs := watch(runOpts{}, "--json").wantCode(t, 130, "watch --json")
	for _, l := range strings.Split(strings.TrimSpace(docs.stdout), "\n") {
		validate(t, "RateLimits", l)
	}
	screen := watch(runOpts{tty: true, width: 100}).wantCode(t, 130, "watch (tty)")
	if !strings.Contains(screen.stdout, "\x1b[?25l") || !strings.HasSuffix(screen.stdout, "\x1b[?25h") || !strings.Contains(screen.stdout, "A\r\x1b[J") {
		t.Errorf("terminal watch does not redraw in place or leaves the cursor hidden: %q", screen.stdout[max(0, len(screen.stdout)-300):])
	}
	a.run(t, "limits", "--interval", "10ms").wantCode(t, 2, "too short an interval")
}

// -L is the same everywhere: 0 is all (for deliveries, the API's newest
// 200), negative is a usage error.
func TestLimitFlagRulesAgree(t *testing.T) {
	a := startRefAPI(t)
	a.run(t, "webhooks", "create", "--url", a.hookURL, "--events", "email.sent").wantCode(t, 0, "create endpoint")
	for _, args := range [][]string{
		{"keys", "list", "-L", "-1"}, {"limits", "-L", "-1"}, {"usage", "errors", "-L", "-1"},
		{"webhooks", "deliveries", a.hookURL, "-L", "-1"}, {"webhooks", "deliveries", a.hookURL, "-L", "201"},
	} {
		r := a.run(t, args...).wantCode(t, 2, strings.Join(args, " "))
		if !strings.Contains(r.stderr, "--limit must be 0 (all)") {
			t.Errorf("%v: stderr %q", args, r.stderr)
		}
	}
	for _, args := range [][]string{{"keys", "list", "-L", "0"}, {"limits", "-L", "0"}, {"webhooks", "deliveries", a.hookURL, "-L", "0"}} {
		a.run(t, args...).wantCode(t, 0, strings.Join(args, " "))
	}
}

// Piped, no keys is no output at all, not an empty line.
func TestLimitsWithoutKeysPrintsNothingPiped(t *testing.T) {
	var b strings.Builder
	o, err := newOutput(&streams{out: &b, getenv: func(string) string { return "" }}, false, "", true)
	if err != nil {
		t.Fatal(err)
	}
	if lines := limitsView(o, models.RateLimits{}, time.Now()); len(lines) != 0 {
		t.Errorf("no keys, piped: %q, want no lines", lines)
	}
}

func TestWhoamiAndAuthExitCodes(t *testing.T) {
	a := startRefAPI(t)
	me := a.run(t, "whoami", "--json").wantCode(t, 0, "whoami --json")
	validate(t, "Me", me.stdout)
	tty := a.runAs(t, a.dev, runOpts{tty: true}, "whoami").wantCode(t, 0, "whoami (tty)")
	if !strings.Contains(tty.stdout, "dev@acme.test") || !strings.Contains(tty.stdout, a.URL) {
		t.Errorf("whoami: %q", tty.stdout)
	}
	bad := a.runAs(t, "pm_pat_notavalidtoken0000000000", runOpts{}, "keys", "list").wantCode(t, 3, "bad token")
	if !strings.Contains(bad.stderr, "401 Unauthorized") || !strings.Contains(bad.stderr, "PENGUINMAILS_TOKEN") || bad.stdout != "" {
		t.Errorf("401: %q", bad.stderr)
	}
	member := a.runAs(t, a.member, runOpts{}, "keys", "list").wantCode(t, 3, "member lists keys")
	if !strings.Contains(member.stderr, "403 Forbidden") {
		t.Errorf("403: %q", member.stderr)
	}
	a.runAs(t, a.dev, runOpts{}, "keys", "create", "--name", "admin powers", "--permissions", "full_access").wantCode(t, 3, "developer grants admin")
	a.run(t, "webhooks", "get", "wh_doesnotexist").wantCode(t, 4, "unknown endpoint")
}
