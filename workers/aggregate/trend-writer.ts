import type { Redis } from 'ioredis';
import { bucketKeys, bucketsForPost, countTime, fieldIncrements } from '../../shared/buckets.ts';
import type { Keys, Resolution } from '../../shared/keys.ts';
import { postKey, type ScoredPost } from '../../shared/post.ts';
import { defineScript } from '../../shared/redis-script.ts';

/** Counts a batch of posts into their buckets and indexes, atomically and each at most once (see the script's header). */
const countPosts = defineScript(new URL('./count-posts.lua', import.meta.url), {
  keys: ['dataVersion', 'models', 'recentAll'],
  argv: ['countedTtl', 'now', 'postTtl', 'postsMax', 'oldest', 'nBuckets', 'nPosts', 'postPrefix'],
  restKeys: 'batchKeys',
  rest: 'batchArgs',
});

export interface Retention {
  countedSeconds: number;
  postsSeconds: number;
  postsMax: number;
  bucketsSeconds: Record<Resolution, number>;
}

/** Posts per script call: bounds one call's run time (Redis runs nothing else meanwhile) and its argument list. */
const POSTS_PER_CALL = 200;

export class TrendWriter {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly retention: Retention,
  ) {}

  /** Counts the posts not counted before; returns those that were new. */
  async add(posts: ScoredPost[], nowMs = Date.now()): Promise<ScoredPost[]> {
    const out: ScoredPost[] = [];
    for (let i = 0; i < posts.length; i += POSTS_PER_CALL) {
      const chunk = posts.slice(i, i + POSTS_PER_CALL);
      const added = await this.addChunk(chunk, nowMs);
      chunk.forEach((p, j) => added[j] === 1 && out.push(p));
    }
    return out;
  }

  private addChunk(posts: ScoredPost[], nowMs: number): Promise<number[]> {
    const k = this.keys;
    const bucketIndex = new Map<string, number>();
    const bucketList: string[] = [];
    const expireAts: number[] = [];
    const postKeys: string[] = [];
    const postArgs: Array<string | number> = [];
    const bucketNo = (key: string, expireAt: number) => {
      let i = bucketIndex.get(key);
      if (i === undefined) {
        i = bucketList.push(key);
        expireAts.push(expireAt);
        bucketIndex.set(key, i);
      }
      return i;
    };
    for (const post of posts) {
      const key = postKey(post);
      const createdMs = countTime(post.createdAt, nowMs);
      const buckets = bucketKeys(k, bucketsForPost(post.createdAt, nowMs, this.retention.bucketsSeconds));
      const fields = fieldIncrements(
        post.source,
        post.lang,
        post.result.stance,
        post.result.score,
        post.result.model.id,
      );
      postKeys.push(
        k.counted(key),
        k.post(key),
        k.recent(`stance=${post.result.stance}`),
        k.recent(`source=${post.source}`),
        k.recent(`lang=${post.lang}`),
      );
      postArgs.push(
        createdMs,
        key,
        JSON.stringify(post),
        post.result.model.id,
        bucketNo(buckets.keys.dayBucket, buckets.expireAt.dayExpireAt),
        bucketNo(buckets.keys.hourBucket, buckets.expireAt.hourExpireAt),
        bucketNo(buckets.keys.minuteBucket, buckets.expireAt.minuteExpireAt),
        fields.length,
        ...fields.flat(),
      );
    }
    const argv = {
      countedTtl: this.retention.countedSeconds,
      now: Math.floor(nowMs / 1000),
      postTtl: this.retention.postsSeconds,
      postsMax: this.retention.postsMax,
      oldest: nowMs - this.retention.postsSeconds * 1000,
      nBuckets: bucketList.length,
      nPosts: posts.length,
      postPrefix: k.post(''),
    };
    return countPosts.runBatch<number[]>(
      this.redis,
      { dataVersion: k.dataVersion, models: k.models, recentAll: k.recent('all') },
      [...bucketList, ...postKeys],
      argv,
      [...expireAts, ...postArgs],
    );
  }
}
