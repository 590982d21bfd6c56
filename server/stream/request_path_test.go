package stream

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// A product request of a tenant nobody follows costs the request path no
// allocation; a followed one reaches the stream with its fields.
func TestRequestsReachFollowersAndCostOthersNothing(t *testing.T) {
	h := newTestHub(t, Config{})
	e := store.UsageEvent{At: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC), TenantID: "followed", KeyID: "key_1",
		Method: "GET", Route: "/api/v1/campaigns", Status: 200, LatencyUS: 1500, IP: "10.0.0.1", RequestID: "req_1"}
	other := e
	other.TenantID = "nobody"
	if n := testing.AllocsPerRun(1000, func() { h.PublishRequest(other) }); n != 0 {
		t.Fatalf("an unfollowed request costs %.0f allocations", n)
	}
	s, _, ok := h.Subscribe("followed", SourceRequests, 0, all)
	if !ok {
		t.Fatal("subscribe")
	}
	h.PublishRequest(e)
	select {
	case it := <-s.Items():
		var got models.RequestLogEntry
		if err := json.Unmarshal(it.Data, &got); err != nil {
			t.Fatalf("%s: %v", it.Data, err)
		}
		if got.RequestID != "req_1" || got.Status != 200 || got.KeyID != "key_1" || got.LatencyMS != 1.5 {
			t.Fatalf("streamed %+v", got)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the followed request never reached the stream")
	}
}
