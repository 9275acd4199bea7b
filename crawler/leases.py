"""Leases on what a crawl worker takes from the shared Redis queue, so a `kill -9` loses nothing.

scrapy-redis pops a request (or a batch of queued sources) and forgets it: a worker killed
with requests in flight would take them with it, and a source whose request it held would
never be answered. Here every pop is a *move*, done by one Lua script so that nothing can
die between the two halves: the entry leaves the shared queue and enters the lease hash of
the worker that took it (`KIL_LEASE_KEY`, one per `kil worker crawl`), under a field that
says where it came from. A lease is released (the field deleted):

- for a queued source, as soon as its start request is on the shared request queue;
- for a request, when what it led to is stored: the store pipeline sends
  `("done", fields)` after the request's records, and the worker deletes the fields after
  the commit that stored them (a kill between the two means the request is made again:
  stored items are upserted, never doubled).

A worker that dies leaves its heartbeat to expire; another then runs REQUEUE on its lease
hash, which puts every entry back where it came from and deletes the hash in one step (two
workers reaping at once requeue it once).

Standard library only: the worker (kil_feed side) runs REQUEUE and never loads Scrapy.
"""

from __future__ import annotations

# KEYS[1] the queue (scrapy-redis's PriorityQueue: a sorted set), KEYS[2] the lease hash.
# Returns {field, encoded request}, or nil when the queue is empty.
POP_REQUEST = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return nil end
redis.call('ZREM', KEYS[1], top[1])
local field = 'z\\t' .. KEYS[1] .. '\\t' .. top[2] .. '\\t' .. redis.sha1hex(top[1])
redis.call('HSET', KEYS[2], field, top[1])
return {field, top[1]}
"""

# KEYS[1] a start list (queued sources), KEYS[2] the lease hash, ARGV[1] how many.
# Returns {field, data, field, data, ...}.
POP_SOURCES = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items == 0 then return {} end
redis.call('LTRIM', KEYS[1], #items, -1)
local out = {}
for _, value in ipairs(items) do
  local field = 'l\\t' .. KEYS[1] .. '\\t' .. redis.sha1hex(value)
  redis.call('HSET', KEYS[2], field, value)
  out[#out + 1] = field
  out[#out + 1] = value
end
return out
"""

# KEYS[1] a dead worker's lease hash: every entry back on its queue (requests with their
# priority, sources at the head of their list), the hash deleted. Returns how many.
REQUEUE = """
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local kind, key, rest = string.match(all[i], '^(%a)\\t([^\\t]+)\\t(.*)$')
  if kind == 'z' then
    redis.call('ZADD', key, string.match(rest, '^([^\\t]+)\\t'), all[i + 1])
  elseif kind == 'l' then
    redis.call('LPUSH', key, all[i + 1])
  end
end
redis.call('DEL', KEYS[1])
return #all / 2
"""
