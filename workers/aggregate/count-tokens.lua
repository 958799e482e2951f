--[[
  Adds a batch's token counts to their hashes and keeps each hash to its top K tokens. The caller sums the
  batch's increments per hash and token first, so a token shared by many posts of a batch costs one HINCRBY,
  and the whole batch costs one round trip instead of one command per post, token and hash.
  Trimming: once a hash has grown past trimAt fields, all but the K largest counts go (ties at the boundary
  broken by token, so the outcome does not depend on hash order). It runs here so the hash never travels.
  The posts field is never trimmed. Returns how many fields were removed in all.
  KEYS[1...] hashes        tokens of one (resolution, bucket, stance, dimension) each
  ARGV[1]  keep            K: tokens kept
  ARGV[2]  trimAt          trim only when the hash holds more fields than this
  ARGV[3]  postsField      the field counting posts, kept whatever its rank
  ARGV[4...] increments    per hash, in KEYS order: expireAt (epoch s), nFields, then field, increment …
]]
local keep, trimAt, postsField = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]

local function trim(hash)
  if redis.call('HLEN', hash) <= trimAt then return 0 end
  local flat = redis.call('HGETALL', hash)
  local entries = {}
  for i = 1, #flat, 2 do
    if flat[i] ~= postsField then entries[#entries + 1] = { flat[i], tonumber(flat[i + 1]) } end
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

local removed, a = 0, 4
for k = 1, #KEYS do
  local hash = KEYS[k]
  local expireAt, n = ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  for _ = 1, n do
    redis.call('HINCRBY', hash, ARGV[a], ARGV[a + 1])
    a = a + 2
  end
  redis.call('EXPIREAT', hash, expireAt)
  removed = removed + trim(hash)
end
return removed
