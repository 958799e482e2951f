import type { Redis } from 'ioredis';
import { POSTS_FIELD, TOKENS_TOP_K, TOKENS_TRIM_AT, tokenBucketsFor, tokenDims } from '../../shared/drivers/buckets.ts';
import { tokensOf } from '../../shared/drivers/tokens.ts';
import type { Keys } from '../../shared/keys.ts';
import type { ScoredPost } from '../../shared/post.ts';

/**
 * Keeps every touched hash to its top K tokens: when a hash has grown past TRIM_AT fields, all but the K
 * largest counts go (ties at the boundary broken by token, so the outcome does not depend on hash order).
 * Runs in Redis so the hash never travels; KEYS are the hashes touched by one batch.
 */
const TRIM_LUA = `
local keep = tonumber(ARGV[1])
local trimAt = tonumber(ARGV[2])
local trimmed = 0
for _, key in ipairs(KEYS) do
  if redis.call('HLEN', key) > trimAt then
    local flat = redis.call('HGETALL', key)
    local entries = {}
    for i = 1, #flat, 2 do
      if flat[i] ~= ARGV[3] then entries[#entries + 1] = { flat[i], tonumber(flat[i + 1]) } end
    end
    table.sort(entries, function(a, b) if a[2] ~= b[2] then return a[2] > b[2] end return a[1] < b[1] end)
    local doomed = {}
    for i = keep + 1, #entries do doomed[#doomed + 1] = entries[i][1] end
    for i = 1, #doomed, 5000 do
      redis.call('HDEL', key, unpack(doomed, i, math.min(i + 4999, #doomed)))
    end
    trimmed = trimmed + #doomed
  end
end
return trimmed
`;

type TrimCommand = (numKeys: number, ...args: Array<string | number>) => Promise<number>;

/**
 * Counts the tokens of newly counted posts (what TrendWriter.add returned) into per-10-minute and per-hour
 * hashes per stance and filter dimension, bounded to the top K tokens each: what GET /api/v1/drivers and the
 * spike alerts compare. One pipeline per batch. Not part of the exactly-once script: a crash between the two
 * loses those posts' tokens (the counts stay exact); token counts are evidence for a ranking, not a ledger.
 */
export class TokenCounter {
  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly topK = TOKENS_TOP_K, private readonly trimAt = TOKENS_TRIM_AT) {
    if (!('swTrimTokens' in redis)) redis.defineCommand('swTrimTokens', { lua: TRIM_LUA });
  }

  async add(posts: readonly ScoredPost[], nowMs = Date.now()): Promise<void> {
    if (posts.length === 0) return;
    const pipeline = this.redis.pipeline();
    const expiries = new Map<string, number>();
    for (const p of posts) {
      const tokens = tokensOf(p.text);
      // As in the trend buckets: a post dated in the future counts now.
      const created = Math.floor(Math.min(Date.parse(p.createdAt), nowMs) / 1000);
      for (const b of tokenBucketsFor(created)) {
        for (const dim of tokenDims(p.source, p.lang)) {
          const key = this.keys.tokens(b.res, b.start, p.result.stance, dim);
          pipeline.hincrby(key, POSTS_FIELD, 1);
          for (const t of tokens) pipeline.hincrby(key, t, 1);
          expiries.set(key, b.expireAt);
        }
      }
    }
    for (const [key, at] of expiries) pipeline.expireat(key, at);
    const touched = [...expiries.keys()];
    (pipeline as unknown as { swTrimTokens: TrimCommand }).swTrimTokens(touched.length, ...touched, this.topK, this.trimAt, POSTS_FIELD);
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
  }
}
