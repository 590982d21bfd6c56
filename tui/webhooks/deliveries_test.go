package webhooks

import (
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// detailAnswer is what a detail poll with id brings back.
func detailAnswer(m *Model, id uint64, filter string, ds []models.Delivery) detailMsg {
	return detailMsg{Result: res(id), id: m.detail.id, filter: filter, webhook: m.detail.webhook, deliveries: ds}
}

// With live traffic new deliveries are prepended; the open delivery must stay
// the one the user opened, not whatever now sits at the same row.
func TestOpenDeliveryStaysPutWhenNewOnesArrive(t *testing.T) {
	m := detailModel(t, 100, 40)
	press(m, "j", "enter") // opens del_2
	if m.view != viewDelivery || m.detail.deliveries[m.detail.rows.Cursor()].ID != "del_2" {
		t.Fatal("did not open del_2")
	}
	fresh := append([]models.Delivery{{ID: "del_new1", EventType: "email.sent"}, {ID: "del_new2", EventType: "email.sent"}}, fakeDeliveries()...)
	m.Update(detailAnswer(m, m.detail.poller.Start(), "", fresh))
	if got := m.detail.deliveries[m.detail.rows.Cursor()].ID; got != "del_2" {
		t.Fatalf("open delivery switched to %s after a refresh", got)
	}
	if !strings.Contains(commontest.Plain(m.View()), "Delivery del_2") {
		t.Fatal("delivery view no longer shows del_2")
	}
	// Gone from the window of recent deliveries: back to the list, not another delivery.
	m.Update(detailAnswer(m, m.detail.poller.Start(), "", fresh[:2]))
	if m.view != viewDetails {
		t.Fatal("view stayed open on a delivery that is gone")
	}
}

// The cursor on the newest row follows the head of a live log.
func TestDetailsCursorAtTopFollowsNewest(t *testing.T) {
	m := detailModel(t, 100, 40)
	fresh := append([]models.Delivery{{ID: "del_new", EventType: "email.sent"}}, fakeDeliveries()...)
	m.Update(detailAnswer(m, m.detail.poller.Start(), "", fresh))
	if m.detail.rows.Cursor() != 0 {
		t.Fatalf("cursor = %d, want 0 (newest)", m.detail.rows.Cursor())
	}
	press(m, "j", "j") // del_2 in fresh
	fresh = append([]models.Delivery{{ID: "del_newer", EventType: "email.sent"}}, fresh...)
	m.Update(detailAnswer(m, m.detail.poller.Start(), "", fresh))
	if got := m.detail.deliveries[m.detail.rows.Cursor()].ID; got != "del_2" {
		t.Fatalf("selected row moved to %s", got)
	}
}

// Changing the filter while a poll is in flight must send a request for the
// new filter at once, and the old filter's answer must not be shown under it.
func TestFilterChangeSupersedesRequestInFlight(t *testing.T) {
	m := detailModel(t, 100, 40)
	m.ctx.Client = commontest.Unreachable()
	oldID := m.detail.poller.Start() // a poll for "all" is in flight
	cmd := m.Update(keyMsg("f"))
	if cmd == nil {
		t.Fatal("filter change sent no request while another was in flight")
	}
	m.Update(detailAnswer(m, oldID, "", fakeDeliveries()))
	if len(m.detail.deliveries) != 0 {
		t.Fatal("the old filter's answer was shown under the new filter")
	}
	// Even a current id is dropped if it answers for another filter.
	m.Update(detailAnswer(m, m.detail.poller.Start(), "", fakeDeliveries()))
	if len(m.detail.deliveries) != 0 {
		t.Fatal("an answer for filter \"all\" was shown under \"success\"")
	}
	m.Update(detailAnswer(m, m.detail.poller.Start(), models.DeliverySuccess, fakeDeliveries()[:1]))
	if len(m.detail.deliveries) != 1 {
		t.Fatal("the new filter's answer was dropped")
	}
}

// g and G go to the first and last row of the deliveries, and to the top and
// bottom of an open delivery, as in the key details.
func TestTopAndBottomInDeliveries(t *testing.T) {
	m := detailModel(t, 100, 14)
	press(m, "G")
	if c, n := m.detail.rows.Cursor(), len(m.detail.deliveries); n < 2 || c != n-1 {
		t.Fatalf("G: cursor %d of %d deliveries", c, n)
	}
	press(m, "g")
	if m.detail.rows.Cursor() != 0 {
		t.Fatalf("g: cursor %d", m.detail.rows.Cursor())
	}
	press(m, "enter", "G")
	bottom := m.detail.scroll.Offset()
	if bottom == 0 {
		t.Fatal("G did not scroll the open delivery (is it longer than the pane?)")
	}
	press(m, "g")
	if m.detail.scroll.Offset() != 0 {
		t.Fatalf("g left the delivery at line %d", m.detail.scroll.Offset())
	}
}

// The test-event picker goes to its first and last type with g and G, as
// every list does, and its help says so.
func TestTopAndBottomInTheTestEventPicker(t *testing.T) {
	m := testModel(t, 100, 34, fakeWebhooks())
	press(m, "t")
	tm := m.testD()
	if tm == nil || len(tm.types) < 3 {
		t.Fatal("test modal did not open with several types")
	}
	press(m, "G")
	if tm.cursor != len(tm.types)-1 {
		t.Fatalf("G: cursor %d of %d", tm.cursor, len(tm.types))
	}
	press(m, "g")
	if tm.cursor != 0 {
		t.Fatalf("g: cursor %d", tm.cursor)
	}
	var help []string
	for _, b := range tm.ShortHelp() {
		help = append(help, b.Help().Key)
	}
	if !strings.Contains(strings.Join(help, " "), "g/G") {
		t.Fatalf("help %v lacks g/G", help)
	}
}
