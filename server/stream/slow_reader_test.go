package stream

import (
	"context"
	"testing"
	"time"
)

func newTestHub(t *testing.T, cfg Config) *Hub {
	t.Helper()
	h, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close(context.Background()) })
	return h
}

func all(Item) bool { return true }

func TestSlowReaderIsDroppedAndOthersKeepUp(t *testing.T) {
	h := newTestHub(t, Config{})
	slow, _, ok := h.Subscribe("t1", SourceEvents, 0, all)
	if !ok {
		t.Fatal("subscribe")
	}
	fast, _, _ := h.Subscribe("t1", SourceEvents, 0, all)
	// Rounds smaller than a subscriber's buffer: the fast reader catches up
	// after each, the slow one never reads.
	const round = subBuffer / 2
	for r := range 4 {
		start := time.Now()
		for range round {
			h.PublishEvent("t1", "email.sent", time.Now(), []byte(`{}`))
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("publishing %d items took %v: it must not wait for readers", round, d)
		}
		for i := range round {
			select {
			case <-fast.Items():
			case <-fast.Gone():
				t.Fatalf("round %d: the fast reader was dropped (%s)", r, fast.Reason())
			case <-time.After(2 * time.Second):
				t.Fatalf("round %d: the fast reader got %d of %d items", r, i, round)
			}
		}
	}
	select {
	case <-slow.Gone():
		if slow.Reason() != ReasonSlowReader {
			t.Errorf("reason %q, want %q", slow.Reason(), ReasonSlowReader)
		}
	default:
		t.Fatal("the slow reader was not dropped")
	}
}

func TestSubscribersAreBoundedPerTenant(t *testing.T) {
	h := newTestHub(t, Config{MaxSubscribers: 2})
	for i, tc := range []struct {
		tenant string
		ok     bool
	}{{"a", true}, {"a", true}, {"a", false}, {"b", true}} {
		if _, _, ok := h.Subscribe(tc.tenant, SourceRequests, 0, all); ok != tc.ok {
			t.Errorf("subscription %d of %s: ok %v, want %v", i, tc.tenant, ok, tc.ok)
		}
	}
}

func TestReplayIsTheWindowAfterLastID(t *testing.T) {
	h := newTestHub(t, Config{WindowEvents: 3})
	s, _, _ := h.Subscribe("a", SourceEvents, 0, all)
	var ids []int64
	for range 5 {
		h.PublishEvent("a", "email.sent", time.Now(), []byte(`{}`))
		ids = append(ids, (<-s.Items()).ID)
	}
	for _, tc := range []struct {
		name string
		last int64
		want []int64
	}{
		{"after the second: the window's three", ids[1], ids[2:]},
		{"after the fourth", ids[3], ids[4:]},
		{"after the last", ids[4], nil},
		{"older than the window: what is left", ids[0], ids[2:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub, replay, _ := h.Subscribe("a", SourceEvents, tc.last, all)
			defer h.Unsubscribe(sub)
			var got []int64
			for _, it := range replay {
				got = append(got, it.ID)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("replay %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("replay %v, want %v", got, tc.want)
				}
			}
		})
	}
}
