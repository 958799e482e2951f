--[[
  Moves one stored post from its old score to a new one: in every bucket it was counted in, the old
  stance, score and model come out and the new ones go in, with the document and its stance index. Runs
  only if the document is still exactly the one the new score was computed from, so a retried or
  concurrent rescore never applies a change twice. Returns 1 when applied, 0 when the post had changed.
  KEYS[1] post             the stored post document
  KEYS[2] dayBucket
  KEYS[3] hourBucket
  KEYS[4] minuteBucket
  KEYS[5] oldStanceIndex
  KEYS[6] newStanceIndex
  KEYS[7] dataVersion
  KEYS[8] models
  ARGV[1] expectedJson     the document the new score was computed from
  ARGV[2] updatedJson
  ARGV[3] member           the post's key in the indexes
  ARGV[4] createdAt        epoch ms: the index score
  ARGV[5] modelId          the new model
  ARGV[6...] changes       field, delta, field, delta …
]]
local post, oldIndex, newIndex, dataVersion, models = KEYS[1], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local buckets = { KEYS[2], KEYS[3], KEYS[4] }
local expectedJson, updatedJson, member, createdAt, modelId = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local CHANGES = 6

if redis.call('GET', post) ~= expectedJson then return 0 end
for _, bucket in ipairs(buckets) do
  if redis.call('EXISTS', bucket) == 1 then
    for i = CHANGES, #ARGV, 2 do
      redis.call('HINCRBY', bucket, ARGV[i], ARGV[i + 1])
    end
  end
end
redis.call('SET', post, updatedJson, 'KEEPTTL')
if oldIndex ~= newIndex then
  redis.call('ZREM', oldIndex, member)
  redis.call('ZADD', newIndex, createdAt, member)
end
redis.call('SADD', models, modelId)
redis.call('INCR', dataVersion)
return 1
