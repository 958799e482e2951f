--[[
  Counts a batch of scored posts into their day, hour and minute buckets and the recent-posts indexes, each
  post at most once: its `counted` marker is set in the same script, so a retried or re-delivered job can
  neither skip a post nor count it twice. Returns one 1 (counted now) or 0 (counted before) per post.
  One call per batch instead of one per post: the posts' increments are summed per bucket and field first
  (a batch mostly lands in the same few buckets), each index gets one variadic ZADD and is trimmed once per
  batch, and the data version moves once. Trimming the all-posts index also deletes the documents that fall
  out of it: a post the API can no longer reach is not kept in memory.
  KEYS[1]  dataVersion     incremented once per call that counted something (ETags)
  KEYS[2]  models          set of model ids with counted scores
  KEYS[3]  recentAll       index of recent posts (score: creation time, ms)
  KEYS[4...] batchKeys     nBuckets bucket keys, then per post: counted, post, recentStance, recentSource, recentLang
  ARGV[1]  countedTtl      seconds a marker is kept
  ARGV[2]  now             epoch seconds; a bucket already expired is not written
  ARGV[3]  postTtl         seconds a document is kept
  ARGV[4]  postsMax        most posts kept per index
  ARGV[5]  oldest          epoch ms; older posts are not indexed
  ARGV[6]  nBuckets        how many distinct bucket keys the batch touches
  ARGV[7]  nPosts
  ARGV[8]  postPrefix      the post document key without the member (documents dropped with the index)
  ARGV[9...] batchArgs     nBuckets expireAt (epoch s), then per post: createdAt, member, postJson, modelId,
                           dayBucket#, hourBucket#, minuteBucket#, nFields, field, increment …
]]
local dataVersion, models, recentAll = KEYS[1], KEYS[2], KEYS[3]
local countedTtl, now, postTtl = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local postsMax, oldest = tonumber(ARGV[4]), tonumber(ARGV[5])
local nBuckets, nPosts, postPrefix = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
local K, A = 4, 9
local POST_KEYS = 5

local buckets, sums = {}, {}
for b = 1, nBuckets do
  buckets[b] = { key = KEYS[K + b - 1], expireAt = tonumber(ARGV[A + b - 1]) }
  sums[b] = {}
end
local k, a = K + nBuckets, A + nBuckets
local added, indexed, seenModels = {}, {}, {}
local anyAdded = false

local function index(key, score, member)
  local list = indexed[key]
  if not list then list = {}; indexed[key] = list end
  list[#list + 1] = score
  list[#list + 1] = member
end

for p = 1, nPosts do
  local counted, post = KEYS[k], KEYS[k + 1]
  local createdAt, member, postJson, modelId = tonumber(ARGV[a]), ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local nFields = tonumber(ARGV[a + 7])
  if redis.call('SET', counted, '1', 'NX', 'EX', countedTtl) then
    added[p] = 1
    anyAdded = true
    for r = 4, 6 do
      local b = tonumber(ARGV[a + r])
      if buckets[b].expireAt > now then
        local s = sums[b]
        for i = a + 8, a + 7 + 2 * nFields, 2 do
          s[ARGV[i]] = (s[ARGV[i]] or 0) + tonumber(ARGV[i + 1])
        end
      end
    end
    if createdAt >= oldest then
      redis.call('SET', post, postJson, 'EX', postTtl)
      index(recentAll, createdAt, member)
      for j = 2, 4 do index(KEYS[k + j], createdAt, member) end
    end
    seenModels[modelId] = true
  else
    added[p] = 0
  end
  k = k + POST_KEYS
  a = a + 8 + 2 * nFields
end
if not anyAdded then return added end

for b = 1, nBuckets do
  local touched = false
  for field, inc in pairs(sums[b]) do
    redis.call('HINCRBY', buckets[b].key, field, inc)
    touched = true
  end
  if touched then redis.call('EXPIREAT', buckets[b].key, buckets[b].expireAt) end
end

-- The all-posts index first: what falls out of it (too old, or beyond postsMax) is deleted with its document,
-- and the other indexes keep nothing older than what it keeps.
local floor = '(' .. oldest
if indexed[recentAll] then
  redis.call('ZADD', recentAll, unpack(indexed[recentAll]))
  indexed[recentAll] = nil
  local gone = redis.call('ZRANGE', recentAll, '-inf', floor, 'BYSCORE')
  local extra = redis.call('ZCARD', recentAll) - #gone - postsMax
  if extra > 0 then
    local more = redis.call('ZRANGE', recentAll, #gone, #gone + extra - 1)
    for _, m in ipairs(more) do gone[#gone + 1] = m end
  end
  if #gone > 0 then
    for i = 1, #gone, 500 do
      local docs, members = {}, {}
      for j = i, math.min(i + 499, #gone) do
        docs[#docs + 1] = postPrefix .. gone[j]
        members[#members + 1] = gone[j]
      end
      redis.call('UNLINK', unpack(docs))
      redis.call('ZREM', recentAll, unpack(members))
    end
    local first = redis.call('ZRANGE', recentAll, 0, 0, 'WITHSCORES')
    if first[2] then floor = '(' .. first[2] end
  end
end
for key, list in pairs(indexed) do
  redis.call('ZADD', key, unpack(list))
  redis.call('ZREMRANGEBYSCORE', key, '-inf', floor)
  redis.call('ZREMRANGEBYRANK', key, 0, -(postsMax + 1))
end
for modelId in pairs(seenModels) do redis.call('SADD', models, modelId) end
redis.call('INCR', dataVersion)
return added
