import type { Redis } from 'ioredis';
import { countTime } from '../../shared/buckets.ts';
import { POSTS_FIELD, TOKENS_TOP_K, TOKENS_TRIM_AT, tokenBucketsFor, tokenDims } from '../../shared/drivers/buckets.ts';
import { tokensOf } from '../../shared/drivers/tokens.ts';
import type { Keys } from '../../shared/keys.ts';
import type { ScoredPost } from '../../shared/post.ts';
import { defineScript } from '../../shared/redis-script.ts';

/** Adds a batch's summed token counts and bounds each hash to its top K tokens (see the script's header). */
const countTokens = defineScript(new URL('./count-tokens.lua', import.meta.url), {
  keys: [],
  restKeys: 'hashes',
  argv: ['keep', 'trimAt', 'postsField'],
  rest: 'increments',
});

/**
 * Counts the tokens of newly counted posts (what TrendWriter.add returned) into per-10-minute and per-hour
 * hashes per stance and filter dimension, bounded to the top K tokens each: what GET /api/v1/drivers and the
 * spike alerts compare. The batch's increments are summed per hash and token here, then written by one
 * script call. Not part of the exactly-once script: a crash between the two loses those posts' tokens (the
 * counts stay exact); token counts are evidence for a ranking, not a ledger.
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
    const hashes = new Map<string, { expireAt: number; counts: Map<string, number> }>();
    for (const p of posts) {
      const tokens = tokensOf(p.text);
      // The trend buckets' rule: a post dated in the future counts now.
      const created = Math.floor(countTime(p.createdAt, nowMs) / 1000);
      for (const b of tokenBucketsFor(created)) {
        for (const dim of tokenDims(p.source, p.lang)) {
          const key = this.keys.tokens(b.res, b.start, p.result.stance, dim);
          let h = hashes.get(key);
          if (!h) hashes.set(key, (h = { expireAt: b.expireAt, counts: new Map() }));
          h.counts.set(POSTS_FIELD, (h.counts.get(POSTS_FIELD) ?? 0) + 1);
          for (const t of tokens) h.counts.set(t, (h.counts.get(t) ?? 0) + 1);
        }
      }
    }
    const increments: Array<string | number> = [];
    for (const { expireAt, counts } of hashes.values()) {
      increments.push(expireAt, counts.size);
      for (const [field, n] of counts) increments.push(field, n);
    }
    await countTokens.runBatch(
      this.redis,
      {},
      [...hashes.keys()],
      { keep: this.topK, trimAt: this.trimAt, postsField: POSTS_FIELD },
      increments,
    );
  }
}
