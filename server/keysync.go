package server

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/penguinmails/pmdev/server/ratelimit"
)

// keySync tells every instance sharing the Redis limiter of each key change
// (Redis pub/sub), so a key revoked or edited on one is refused or limited
// anew by all: each instance caches keys in memory. While the subscription
// is down changes can be missed, so the whole cache is dropped at every
// (re)subscription.
type keySync struct {
	cancel context.CancelFunc
	ps     *redis.PubSub
	done   chan struct{}
}

func (s *Server) startKeySync(l *ratelimit.Redis) {
	rdb, channel := l.Client(), l.Prefix()+"keys"
	ctx, cancel := context.WithCancel(context.Background())
	ps := rdb.Subscribe(ctx, channel)
	ks := &keySync{cancel: cancel, ps: ps, done: make(chan struct{})}
	s.keySync = ks
	s.keyring.OnInvalidate(func(id string) {
		pctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := rdb.Publish(pctx, channel, id).Err(); err != nil {
			s.log.Error("key change not announced to the other instances: they may use the old key until their cache is dropped", "key_id", id, "err", err.Error())
		}
	})
	go func() {
		defer close(ks.done)
		for {
			msg, err := ps.Receive(ctx)
			if ctx.Err() != nil {
				return
			}
			switch m := msg.(type) {
			case *redis.Subscription:
				s.keyring.Clear()
			case *redis.Message:
				s.keyring.Forget(m.Payload)
			}
			if err != nil {
				s.keyring.Clear()
				select {
				case <-ctx.Done():
					return
				case <-time.After(200 * time.Millisecond):
				}
			}
		}
	}()
}

// stop ends the subscription (closing it ends a Receive in progress).
func (ks *keySync) stop() {
	if ks != nil {
		ks.cancel()
		ks.ps.Close()
		<-ks.done
	}
}
