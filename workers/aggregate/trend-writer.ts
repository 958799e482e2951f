import type { Redis } from 'ioredis';
import { bucketKeys, bucketsForPost, countTime, fieldIncrements } from '../../shared/buckets.ts';
import type { Keys, Resolution } from '../../shared/keys.ts';
import { postKey, type ScoredPost } from '../../shared/post.ts';
import { defineScript } from '../../shared/redis-script.ts';

/** Counts one post into its buckets and indexes, atomically and at most once (see the script's header). */
const countPost = defineScript(new URL('./count-post.lua', import.meta.url), {
  keys: [
    'counted',
    'dayBucket',
    'hourBucket',
    'minuteBucket',
    'post',
    'recentAll',
    'recentStance',
    'recentSource',
    'recentLang',
    'dataVersion',
    'models',
  ],
  argv: [
    'countedTtl',
    'dayExpireAt',
    'hourExpireAt',
    'minuteExpireAt',
    'now',
    'postJson',
    'postTtl',
    'createdAt',
    'member',
    'postsMax',
    'oldest',
    'modelId',
  ],
  rest: 'fields',
});

export interface Retention {
  countedSeconds: number;
  postsSeconds: number;
  postsMax: number;
  bucketsSeconds: Record<Resolution, number>;
}

export class TrendWriter {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly retention: Retention,
  ) {}

  /** Counts the posts not counted before; returns how many were new. */
  async add(posts: ScoredPost[], nowMs = Date.now()): Promise<ScoredPost[]> {
    const added = await Promise.all(posts.map((p) => this.addOne(p, nowMs)));
    return posts.filter((_, i) => added[i] === 1);
  }

  private addOne(post: ScoredPost, nowMs: number): Promise<number> {
    const k = this.keys;
    const key = postKey(post);
    const createdMs = countTime(post.createdAt, nowMs);
    const buckets = bucketsForPost(post.createdAt, nowMs, this.retention.bucketsSeconds);
    const fields = fieldIncrements(post.source, post.lang, post.result.stance, post.result.score, post.result.model.id);
    const bucket = bucketKeys(k, buckets);
    const keys = {
      counted: k.counted(key),
      ...bucket.keys,
      post: k.post(key),
      recentAll: k.recent('all'),
      recentStance: k.recent(`stance=${post.result.stance}`),
      recentSource: k.recent(`source=${post.source}`),
      recentLang: k.recent(`lang=${post.lang}`),
      dataVersion: k.dataVersion,
      models: k.models,
    };
    const argv = {
      countedTtl: this.retention.countedSeconds,
      ...bucket.expireAt,
      now: Math.floor(nowMs / 1000),
      postJson: JSON.stringify(post),
      postTtl: this.retention.postsSeconds,
      createdAt: createdMs,
      member: key,
      postsMax: this.retention.postsMax,
      oldest: nowMs - this.retention.postsSeconds * 1000,
      modelId: post.result.model.id,
    };
    return countPost.run(this.redis, keys, argv, fields.flat());
  }
}
