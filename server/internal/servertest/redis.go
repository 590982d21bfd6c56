package servertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the Redis a test may use: its URL and a key prefix of its own,
// whose keys are deleted when the test ends. Without a Redis answering at
// PMDEV_TEST_REDIS (default redis://127.0.0.1:6379/0) the test is skipped,
// or fails when PMDEV_REQUIRE_SERVICES=1 (CI).
func Redis(t testing.TB) (url, prefix string) {
	t.Helper()
	url = os.Getenv("PMDEV_TEST_REDIS")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	if !strings.Contains(url, "://") {
		url = "redis://" + url
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("PMDEV_TEST_REDIS=%q: %v", url, err)
	}
	opt.DialTimeout = time.Second
	rdb := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		if os.Getenv("PMDEV_REQUIRE_SERVICES") == "1" {
			t.Fatalf("Redis at %s does not answer (%v) and PMDEV_REQUIRE_SERVICES=1", opt.Addr, err)
		}
		t.Skipf("Redis at %s does not answer (%v): set PMDEV_TEST_REDIS, or PMDEV_REQUIRE_SERVICES=1 to fail instead", opt.Addr, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix = "pmdev-test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		defer rdb.Close()
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("clean Redis prefix %s: %v", prefix, err)
		}
	})
	return url, prefix
}
