--[[
  Extends a feed's poll lock only if it is still ours, so a long poll keeps it and a dead one lets it lapse.
  KEYS[1] lock   the feed's poll lock
  ARGV[1] token  what this poll wrote into it
  ARGV[2] ms     new lifetime in milliseconds
]]
local lock = KEYS[1]
local token = ARGV[1]
local ms = ARGV[2]

if redis.call('GET', lock) == token then return redis.call('PEXPIRE', lock, ms) end
return 0
