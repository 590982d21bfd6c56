package ratelimit

import "github.com/redis/go-redis/v9"

// takeScript is Bucket.TakeAt (ARGV[4] = 1) or SetLimit + Snapshot (0) in
// Redis, atomically, on Redis's clock (instances' clocks may differ). The
// bucket is a hash {tokens, last µs, limit, burst}; a full bucket is not
// stored. The tenant's ZSET holds the keys whose buckets are not full,
// scored by the µs instant they are full again.
//
// KEYS[1] bucket, KEYS[2] tenant set; ARGV limit, burst, key id, cost.
// Returns {allowed, remaining, reset s, retry-after s, µs until full, now
// µs, µs until one token (refused requests)}.
var takeScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
local rate = limit / 60
local h = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens, last = tonumber(h[1]), tonumber(h[2])
if tokens == nil or last == nil then
  tokens, last = burst, now
end
if now > last then
  if limit > 0 then
    tokens = math.min(burst, tokens + (now - last) / 1000000 * rate)
  end
  last = now
end
if tokens > burst then tokens = burst end
local allowed, retry, next = 0, 0, 0
if cost > 0 then
  if tokens >= 1 then
    tokens = tokens - 1
    allowed = 1
  elseif limit > 0 then
    retry = math.max(1, math.ceil((1 - tokens) / rate))
    next = math.ceil((1 - tokens) / rate * 1000000)
  else
    retry = 60
    next = 60000000
  end
end
local reset, full = 0, 0
if limit > 0 and tokens < burst then
  reset = math.ceil((burst - tokens) / rate)
  full = math.ceil((burst - tokens) / rate * 1000000)
end
if tokens < burst then
  local keep = 86400000000
  if limit > 0 then keep = full end
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'last', tostring(last), 'limit', limit, 'burst', burst)
  redis.call('PEXPIRE', KEYS[1], math.ceil(keep / 1000) + 1000)
  redis.call('ZADD', KEYS[2], now + keep, ARGV[3])
else
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[3])
end
return {allowed, math.floor(tokens), reset, retry, full, now, next}
`)
