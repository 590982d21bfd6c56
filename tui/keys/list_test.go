package keys

import (
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

func TestKeyCountPlural(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(1))
	if v := commontest.Plain(m.View()); !strings.Contains(v, "1 key ·") {
		t.Fatalf("title: %s", strings.SplitN(v, "\n", 2)[0])
	}
	if keyCount(10000) != "10,000 keys" || keyCount(0) != "0 keys" {
		t.Fatal(keyCount(10000), keyCount(0))
	}
}

func TestForbiddenWordsUseLateRole(t *testing.T) {
	m := testModel(t, 80, 24, nil)
	m.ctx.Me = models.Me{} // identity not loaded yet
	m.loaded = false       // and the first list is refused
	id := m.poller.Force()
	m.Update(keysLoadedMsg{Result: res(id), err: httpErr(403, &models.Problem{Status: 403}, 0)})
	m.ctx.Me.Role = models.RoleMember // /me answers later
	if v := commontest.Plain(m.View()); strings.Contains(v, "0 keys") {
		t.Fatalf("a refused list claims a count:\n%s", v)
	}
	if r := m.blocked(m.ctx.Now()); !strings.Contains(r, "(member)") {
		t.Fatalf("blocked reason %q", r)
	}
	if hasHelp(m, "n") {
		t.Fatal("help advertises create while forbidden")
	}
	// The role changes on the server: the list works again and so do actions.
	m.ctx.Me.Role, m.ctx.Me.CanManageKeys = models.RoleDeveloper, true
	id = m.poller.Force()
	m.Update(keysLoadedMsg{Result: res(id), pages: [][]models.APIKey{fakeKeys(2)}})
	if r := m.blocked(m.ctx.Now()); r != "" {
		t.Fatalf("still blocked: %q", r)
	}
}

func TestDurationsRoundSensibly(t *testing.T) {
	cases := []struct {
		d           time.Duration
		long, short string
	}{
		{time.Hour - time.Second, "1 h", "1h"},
		{59 * time.Minute, "59 min", "59m"},
		{23*time.Hour + 10*time.Minute, "23 h", "23h"},
		{24*time.Hour - 2*time.Second, "24 h", "24h"},
		{47 * time.Hour, "47 h", "47h"},
		{7*24*time.Hour - time.Minute, "7 d", "7d"},
		{30 * time.Second, "30 s", "30s"},
		{-time.Second, "0 s", "0s"},
	}
	for _, c := range cases {
		if got := shortDur(c.d); got != c.long {
			t.Errorf("shortDur(%v) = %q, want %q", c.d, got, c.long)
		}
		if got := compactDur(c.d); got != c.short {
			t.Errorf("compactDur(%v) = %q, want %q", c.d, got, c.short)
		}
	}
}

func TestListGraceFitsAt80(t *testing.T) {
	keys := fakeKeys(3)
	exp := commontest.Now.Add(59 * time.Minute)
	keys[1].ExpiresAt, keys[1].ReplacedBy = &exp, keys[0].KeyID
	m := testModel(t, 80, 24, keys)
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "exp 59m") || strings.Contains(v, "expires in 5") {
		t.Fatalf("grace countdown does not fit the status column:\n%s", v)
	}
	// Details have room for the long form.
	press(m, "j", "enter")
	if !strings.Contains(commontest.Plain(m.View()), "expires in 59 min") {
		t.Fatal("details lost the long countdown")
	}
}
