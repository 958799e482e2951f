import type { Redis } from 'ioredis';
import { bucketKeys, bucketsForPost, countTime, fieldIncrements } from '../../shared/buckets.ts';
import type { Keys } from '../../shared/keys.ts';
import { postKey, type ScoredPost, type StanceResult } from '../../shared/post.ts';
import { defineScript } from '../../shared/redis-script.ts';
import type { Retention } from './trend-writer.ts';

/** Moves one stored post from its old score to a new one, exactly once (see the script's header). */
const rescorePost = defineScript(new URL('./rescore-post.lua', import.meta.url), {
  keys: [
    'post',
    'dayBucket',
    'hourBucket',
    'minuteBucket',
    'oldStanceIndex',
    'newStanceIndex',
    'dataVersion',
    'models',
  ],
  argv: ['expectedJson', 'updatedJson', 'member', 'createdAt', 'modelId'],
  rest: 'changes',
});

export class Rescorer {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly retention: Retention,
  ) {}

  /**
   * Applies a new result to a stored post; false when the post changed (or expired) in the meantime.
   * `indexedAtMs` is the post's score in the recent-posts index: the time the writer counted it under.
   */
  async apply(storedJson: string, post: ScoredPost, result: StanceResult, indexedAtMs: number): Promise<boolean> {
    const k = this.keys;
    const key = postKey(post);
    const createdMs = countTime(post.createdAt, indexedAtMs);
    const buckets = bucketsForPost(post.createdAt, indexedAtMs, this.retention.bucketsSeconds);
    // Net field changes: the old contribution out, the new one in (fields that cancel are dropped).
    const delta = new Map<string, number>();
    for (const [f, v] of fieldIncrements(
      post.source,
      post.lang,
      post.result.stance,
      post.result.score,
      post.result.model.id,
    ))
      delta.set(f, (delta.get(f) ?? 0) - v);
    for (const [f, v] of fieldIncrements(post.source, post.lang, result.stance, result.score, result.model.id))
      delta.set(f, (delta.get(f) ?? 0) + v);
    const changes = [...delta].filter(([, v]) => v !== 0);
    const updated: ScoredPost = { ...post, result, scoredAt: new Date().toISOString() };
    const keys = {
      post: k.post(key),
      ...bucketKeys(k, buckets).keys,
      oldStanceIndex: k.recent(`stance=${post.result.stance}`),
      newStanceIndex: k.recent(`stance=${result.stance}`),
      dataVersion: k.dataVersion,
      models: k.models,
    };
    const argv = {
      expectedJson: storedJson,
      updatedJson: JSON.stringify(updated),
      member: key,
      createdAt: createdMs,
      modelId: result.model.id,
    };
    const done = await rescorePost.run(this.redis, keys, argv, changes.flat());
    return done === 1;
  }
}
