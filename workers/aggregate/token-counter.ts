import type { Redis } from 'ioredis';
import { countTime } from '../../shared/buckets.ts';
import {
  POSTS_FIELD,
  TOKEN_RESOLUTION_SECONDS,
  TOKEN_ROLLUP_AFTER_SECONDS,
  TOKENS_TOP_K,
  TOKENS_TRIM_AT,
  parsePendingMember,
  pendingMember,
  tenMinuteStartsOf,
  tokenBucketFor,
  tokenExpireAt,
  tokenDims,
} from '../../shared/drivers/buckets.ts';
import { tokensOf } from '../../shared/drivers/tokens.ts';
import type { Keys } from '../../shared/keys.ts';
import type { ScoredPost } from '../../shared/post.ts';
import { defineScript } from '../../shared/redis-script.ts';

/** Adds a batch's summed token counts or rolls up ready hours, and bounds each hash (see the script's header). */
const countTokens = defineScript(new URL('./count-tokens.lua', import.meta.url), {
  keys: ['pending'],
  restKeys: 'hashes',
  argv: ['keep', 'trimAt', 'now', 'nHashes', 'readyBefore'],
  rest: 'increments',
});

/** Hours rolled up per call at most: a roll-up reads six hashes of up to 1,000 fields, and Redis waits meanwhile. */
const ROLLUPS_PER_CALL = 8;

interface TenMinuteHash {
  hour: string;
  expireAt: number;
  hourExpireAt: number;
  member: string;
  hourEnd: number;
  counts: Map<string, number>;
}

/**
 * Counts the tokens of newly counted posts (what TrendWriter.add returned) into per-10-minute hashes per
 * stance and filter dimension, bounded to the top K tokens each: what GET /api/v1/drivers and the spike
 * alerts compare. Hour hashes are rolled up from them once the hour has been over and quiet for 10 minutes,
 * by rollUp (the same script, called by the spike detector every minute). The batch's increments are summed per hash and token here, then written by one script
 * call. Not part of the exactly-once script: a crash between the two loses those posts' tokens (the counts
 * stay exact); token counts are evidence for a ranking, not a ledger.
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
    const hashes = new Map<string, TenMinuteHash>();
    for (const p of posts) {
      const tokens = tokensOf(p.text);
      // The trend buckets' rule: a post dated in the future counts now.
      const b = tokenBucketFor(Math.floor(countTime(p.createdAt, nowMs) / 1000));
      for (const dim of tokenDims(p.source, p.lang)) {
        const stance = p.result.stance;
        const key = this.keys.tokens('10m', b.tenMinutes.start, stance, dim);
        let h = hashes.get(key);
        if (!h)
          hashes.set(
            key,
            (h = {
              hour: this.keys.tokens('h', b.hour.start, stance, dim),
              expireAt: b.tenMinutes.expireAt,
              hourExpireAt: b.hour.expireAt,
              member: pendingMember(b.hour.start, stance, dim),
              hourEnd: b.hour.start + TOKEN_RESOLUTION_SECONDS.h,
              counts: new Map(),
            }),
          );
        h.counts.set(POSTS_FIELD, (h.counts.get(POSTS_FIELD) ?? 0) + 1);
        for (const t of tokens) h.counts.set(t, (h.counts.get(t) ?? 0) + 1);
      }
    }
    const now = Math.floor(nowMs / 1000);
    const keys: string[] = [];
    const increments: Array<string | number> = [];
    for (const [key, h] of hashes) {
      keys.push(key, h.hour);
      increments.push(h.expireAt, h.hourExpireAt, h.member, h.hourEnd, h.counts.size);
      for (const [field, n] of h.counts) increments.push(field, n);
    }
    await this.run(now, hashes.size, keys, increments);
  }

  /**
   * Rolls up the hours that are ready, up to ROLLUPS_PER_CALL per script call and maxCalls calls. The spike
   * detector calls it every minute; the aggregate stage's batches do not, so posts never wait on it.
   * Returns how many hour hashes were rolled up.
   */
  async rollUp(nowMs = Date.now(), maxCalls = 8): Promise<number> {
    const now = Math.floor(nowMs / 1000);
    let rolled = 0;
    for (let call = 0; call < maxCalls; call++) {
      const ready = await this.redis.zrangebyscore(
        this.keys.tokensPending,
        '-inf',
        now - TOKEN_ROLLUP_AFTER_SECONDS,
        'LIMIT',
        0,
        ROLLUPS_PER_CALL,
      );
      if (ready.length === 0) break;
      const keys: string[] = [];
      const increments: Array<string | number> = [];
      for (const member of ready) {
        const { hourStart, stance, dim } = parsePendingMember(member);
        keys.push(
          this.keys.tokens('h', hourStart, stance, dim),
          ...tenMinuteStartsOf(hourStart).map((s) => this.keys.tokens('10m', s, stance, dim)),
        );
        increments.push(member, tokenExpireAt('h', hourStart));
      }
      await this.run(now, 0, keys, increments);
      rolled += ready.length;
      if (ready.length < ROLLUPS_PER_CALL) break;
    }
    return rolled;
  }

  /** One script call: nHashes 10-minute hashes to add to, then the hours to roll up (see the script's header). */
  private run(now: number, nHashes: number, keys: string[], increments: Array<string | number>): Promise<number> {
    return countTokens.runBatch(
      this.redis,
      { pending: this.keys.tokensPending },
      keys,
      { keep: this.topK, trimAt: this.trimAt, now, nHashes, readyBefore: now - TOKEN_ROLLUP_AFTER_SECONDS },
      increments,
    );
  }
}
