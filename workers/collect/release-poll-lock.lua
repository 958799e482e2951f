--[[
  Deletes a feed's poll lock only if it is still ours: it may have expired and been taken by another worker.
  KEYS[1] lock   the feed's poll lock
  ARGV[1] token  what this poll wrote into it
]]
local lock = KEYS[1]
local token = ARGV[1]

if redis.call('GET', lock) == token then return redis.call('DEL', lock) end
return 0
