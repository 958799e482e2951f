--[[
  Counts one scored post into its day, hour and minute buckets and the recent-posts indexes, at most once:
  the `counted` marker is set in the same script, so a retried or re-delivered job can neither skip a
  post nor count it twice. Returns 1 when the post was counted now, 0 when it had been before.
  KEYS[1]  counted         marker: this post is counted
  KEYS[2]  dayBucket
  KEYS[3]  hourBucket
  KEYS[4]  minuteBucket
  KEYS[5]  post            the stored post document
  KEYS[6]  recentAll       index of recent posts (score: creation time, ms)
  KEYS[7]  recentStance
  KEYS[8]  recentSource
  KEYS[9]  recentLang
  KEYS[10] dataVersion     incremented on every write (ETags)
  KEYS[11] models          set of model ids with counted scores
  ARGV[1]  countedTtl      seconds the marker is kept
  ARGV[2]  dayExpireAt     epoch seconds
  ARGV[3]  hourExpireAt    epoch seconds
  ARGV[4]  minuteExpireAt  epoch seconds
  ARGV[5]  now             epoch seconds; a bucket already expired is not written
  ARGV[6]  postJson
  ARGV[7]  postTtl         seconds the document is kept
  ARGV[8]  createdAt       epoch ms: the index score
  ARGV[9]  member          the post's key in the indexes
  ARGV[10] postsMax        most posts kept per index
  ARGV[11] oldest          epoch ms; older posts are not indexed
  ARGV[12] modelId
  ARGV[13...] fields       field, increment, field, increment …
]]
local counted, post, dataVersion, models = KEYS[1], KEYS[5], KEYS[10], KEYS[11]
local buckets = { { KEYS[2], tonumber(ARGV[2]) }, { KEYS[3], tonumber(ARGV[3]) }, { KEYS[4], tonumber(ARGV[4]) } }
local indexes = { KEYS[6], KEYS[7], KEYS[8], KEYS[9] }
local countedTtl, now, postJson, postTtl = ARGV[1], tonumber(ARGV[5]), ARGV[6], ARGV[7]
local createdAt, member, postsMax, oldest, modelId = tonumber(ARGV[8]), ARGV[9], tonumber(ARGV[10]), tonumber(ARGV[11]), ARGV[12]
local FIELDS = 13

if not redis.call('SET', counted, '1', 'NX', 'EX', countedTtl) then return 0 end
for _, b in ipairs(buckets) do
  local key, expireAt = b[1], b[2]
  if expireAt > now then
    for i = FIELDS, #ARGV, 2 do
      redis.call('HINCRBY', key, ARGV[i], ARGV[i + 1])
    end
    redis.call('EXPIREAT', key, expireAt)
  end
end
if createdAt >= oldest then
  redis.call('SET', post, postJson, 'EX', postTtl)
  for _, index in ipairs(indexes) do
    redis.call('ZADD', index, createdAt, member)
    redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. oldest)
    redis.call('ZREMRANGEBYRANK', index, 0, -(postsMax + 1))
  end
end
redis.call('SADD', models, modelId)
redis.call('INCR', dataVersion)
return 1
