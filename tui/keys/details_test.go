package keys

import (
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

func TestDetailsShowFreshUsage(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Client = client.New(client.Options{BaseURL: "http://127.0.0.1:1"})
	press(m, "j") // key 1: never used, in the stale list
	if m.current().LastUsed != nil {
		t.Fatal("fixture: key 1 should be unused")
	}
	cmd := press(m, "enter")
	if cmd == nil || m.detailsD() == nil {
		t.Fatal("opening details fetched nothing")
	}
	fresh := *m.current()
	lu := commontest.Now.Add(-2 * time.Minute)
	fresh.LastUsed, fresh.RequestCount = &lu, 4242
	m.Update(detailsMsg{Result: res(m.detailsD().reqID), keyID: fresh.KeyID, details: models.APIKeyDetails{APIKey: fresh}})
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "Requests 4,242") || !strings.Contains(v, "2 min") {
		t.Fatalf("details show the stale list copy:\n%s", v)
	}
	if m.all[m.byID[fresh.KeyID]].RequestCount != 4242 {
		t.Fatal("list row not brought up to date")
	}
}

func TestDetailsRefreshOnPoll(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Client = client.New(client.Options{BaseURL: "http://127.0.0.1:1"})
	press(m, "enter")
	before := m.detailsD().reqID
	later := commontest.Now.Add(time.Hour)
	m.ctx.Now = func() time.Time { return later }
	if cmd := m.Update(common.TickMsg{Now: later}); cmd == nil {
		t.Fatal("poll not due")
	}
	if m.detailsD().reqID == before {
		t.Fatal("details not refreshed on the keys poll")
	}
	// Between polls nothing is fetched.
	again := m.detailsD().reqID
	m.Update(common.TickMsg{Now: later})
	if m.detailsD().reqID != again {
		t.Fatal("details refetched on a tick that was not a poll")
	}
}
