--[[
  Adds a batch's token counts to their 10-minute hashes and keeps each hash to its top K tokens. The caller
  sums the batch's increments per hash and token first, so a token shared by many posts of a batch costs one
  HINCRBY, and the whole batch costs one round trip instead of one command per post, token and hash.

  Hour hashes are rolled up from their six 10-minute hashes once the hour is over and quiet (the end of this
  script), not written per post: that halves the HINCRBYs, which were most of Redis's work per post. Each
  10-minute hash names its hour hash, and the hour is in one of three states, decided here atomically with
  the write:
  - pending (its member is in the pending set): the 10-minute hash alone is written, and the roll-up waits
    again (the member's score: the later of the hour's end and the last write);
  - new (no hour hash, not pending): it becomes pending, and the 10-minute hash alone is written;
  - rolled up (the hour hash exists and is not pending; also an hour written before roll-ups existed): a late
    post is added to both, so the hour keeps counting it once.
  Readers use the hour hash unless it is pending, so a post is in exactly one of the two views they read.
  A post too old for a 10-minute hash (its hash would already have expired: a backfill) goes to the hour alone.
  The same script rolls up a few pending hours the caller found ready (over, and not written to, since
  readyBefore): their six 10-minute hashes are summed into the hour hash, which is trimmed and leaves the
  pending set, in one atomic step. Waiting for a quiet spell keeps a catch-up (a day of history arriving in
  minutes) from rolling up hours that are still being written, which would then be written twice per post.

  Trimming: once a hash has grown past trimAt fields, all but the K largest counts go (ties at the boundary
  broken by token, so the outcome does not depend on hash order). It runs here so the hash never travels.
  Fields starting with "=" (the posts count) are never trimmed. Returns how many fields were removed in all.
  KEYS[1]  pending         sorted set: hour hashes waiting for their roll-up (score: when they may be rolled up)
  KEYS[2...] hashes        per 10-minute hash written: that hash, then its hour hash; then per roll-up: the
                           hour hash, then its six 10-minute hashes
  ARGV[1]  keep            K: tokens kept
  ARGV[2]  trimAt          trim only when the hash holds more fields than this
  ARGV[3]  now             epoch seconds
  ARGV[4]  nHashes         10-minute hashes written
  ARGV[5]  readyBefore     epoch seconds: a pending hour scored at or before this may be rolled up
  ARGV[6...] increments    per 10-minute hash, in KEYS order: expireAt (epoch s), hourExpireAt, pending member,
                           hour end, nFields, then field, increment …; then per roll-up: its pending member
                           and the hour's expireAt
]]
local pending = KEYS[1]
local keep, trimAt, now, nHashes = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local readyBefore = tonumber(ARGV[5])

local function trim(hash)
  if redis.call('HLEN', hash) <= trimAt then return 0 end
  local flat = redis.call('HGETALL', hash)
  local entries = {}
  for i = 1, #flat, 2 do
    if string.sub(flat[i], 1, 1) ~= '=' then entries[#entries + 1] = { flat[i], tonumber(flat[i + 1]) } end
  end
  table.sort(entries, function(a, b)
    if a[2] ~= b[2] then return a[2] > b[2] end
    return a[1] < b[1]
  end)
  local doomed = {}
  for i = keep + 1, #entries do doomed[#doomed + 1] = entries[i][1] end
  -- HDEL in slices: unpack of a very long list overflows Lua's stack.
  for i = 1, #doomed, 5000 do
    redis.call('HDEL', hash, unpack(doomed, i, math.min(i + 4999, #doomed)))
  end
  return #doomed
end

local removed, a = 0, 6
for k = 2, 2 * nHashes, 2 do
  local hash, hour = KEYS[k], KEYS[k + 1]
  local expireAt, hourExpireAt, member, hourEnd = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  local n = tonumber(ARGV[a + 4])
  a = a + 5
  local tenMinutes, alsoHour = tonumber(expireAt) > now, false
  if not tenMinutes then
    alsoHour = true
  elseif redis.call('ZSCORE', pending, member) or redis.call('EXISTS', hour) == 0 then
    redis.call('ZADD', pending, 'GT', math.max(now, hourEnd), member)
  else
    alsoHour = true
  end
  for _ = 1, n do
    if tenMinutes then redis.call('HINCRBY', hash, ARGV[a], ARGV[a + 1]) end
    if alsoHour then redis.call('HINCRBY', hour, ARGV[a], ARGV[a + 1]) end
    a = a + 2
  end
  if tenMinutes then
    redis.call('EXPIREAT', hash, expireAt)
    removed = removed + trim(hash)
  end
  if alsoHour then
    redis.call('EXPIREAT', hour, hourExpireAt)
    removed = removed + trim(hour)
  end
end

for k = 2 + 2 * nHashes, #KEYS, 7 do
  local hour, member, hourExpireAt = KEYS[k], ARGV[a], ARGV[a + 1]
  a = a + 2
  -- Since the caller looked, another worker may have rolled it up, or a late post pushed it back.
  local score = redis.call('ZSCORE', pending, member)
  if score and tonumber(score) <= readyBefore then
    for j = k + 1, k + 6 do
      local flat = redis.call('HGETALL', KEYS[j])
      for i = 1, #flat, 2 do redis.call('HINCRBY', hour, flat[i], flat[i + 1]) end
    end
    redis.call('ZREM', pending, member)
    if redis.call('EXISTS', hour) == 1 then
      redis.call('EXPIREAT', hour, hourExpireAt)
      removed = removed + trim(hour)
    end
  end
end
return removed
