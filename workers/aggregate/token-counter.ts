import type { Redis } from 'ioredis';
import { countTime } from '../../shared/buckets.ts';
import { POSTS_FIELD, TOKENS_TOP_K, TOKENS_TRIM_AT, tokenBucketsFor, tokenDims } from '../../shared/drivers/buckets.ts';
import { tokensOf } from '../../shared/drivers/tokens.ts';
import type { Keys } from '../../shared/keys.ts';
import type { ScoredPost } from '../../shared/post.ts';
import { defineScript } from '../../shared/redis-script.ts';

/** Bounds one token hash to its top K tokens (see the script's header). */
const trimTokens = defineScript(new URL('./trim-tokens.lua', import.meta.url), {
  keys: ['hash'],
  argv: ['keep', 'trimAt', 'postsField'],
});

/**
 * Counts the tokens of newly counted posts (what TrendWriter.add returned) into per-10-minute and per-hour
 * hashes per stance and filter dimension, bounded to the top K tokens each: what GET /api/v1/drivers and the
 * spike alerts compare. One pipeline per batch, then one trim per touched hash. Not part of the exactly-once
 * script: a crash between the two loses those posts' tokens (the counts stay exact); token counts are
 * evidence for a ranking, not a ledger.
 */
export class TokenCounter {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly topK = TOKENS_TOP_K,
    private readonly trimAt = TOKENS_TRIM_AT,
  ) {}

  async add(posts: readonly ScoredPost[], nowMs = Date.now()): Promise<void> {
    if (posts.length === 0) return;
    const pipeline = this.redis.pipeline();
    const expiries = new Map<string, number>();
    for (const p of posts) {
      const tokens = tokensOf(p.text);
      // The trend buckets' rule: a post dated in the future counts now.
      const created = Math.floor(countTime(p.createdAt, nowMs) / 1000);
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
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
    // Auto-pipelining sends these together: one round trip for the batch's hashes.
    const argv = { keep: this.topK, trimAt: this.trimAt, postsField: POSTS_FIELD };
    await Promise.all([...expiries.keys()].map((hash) => trimTokens.run(this.redis, { hash }, argv)));
  }
}
