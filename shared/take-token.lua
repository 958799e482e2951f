--[[
  Takes tokens from a token bucket shared by every workers process. Reads Redis's own clock, so replicas
  with skewed clocks still agree. Returns 0 when the tokens were taken, else the milliseconds to wait.
  KEYS[1] bucket    hash {tokens, ts}
  ARGV[1] capacity  most tokens the bucket holds (the burst)
  ARGV[2] perMs     tokens added per millisecond
  ARGV[3] wanted    tokens to take
]]
local bucket = KEYS[1]
local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', bucket, 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - ts) * perMs)
local wait = 0
if tokens >= wanted then tokens = tokens - wanted else wait = math.ceil((wanted - tokens) / perMs) end
redis.call('HSET', bucket, 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', bucket, math.ceil(capacity / perMs) + 60000)
return wait
