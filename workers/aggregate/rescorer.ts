import type { Redis } from 'ioredis';
import { bucketsForPost, fieldIncrements } from '../../shared/buckets.ts';
import type { Keys } from '../../shared/keys.ts';
import { postKey, type ScoredPost, type StanceResult } from '../../shared/post.ts';
import type { Retention } from './trend-writer.ts';

/**
 * Moves one stored post from its old score to a new one: in every bucket it was counted in, the old
 * stance, score and model are taken out and the new ones put in, together with the post document and its
 * stance index, in one script. The script only runs if the document is still exactly the one the new
 * score was computed from, so a retried or concurrent rescore can never apply a change twice.
 */
const RESCORE_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local n = tonumber(ARGV[3])
for b = 2, 4 do
  if redis.call('EXISTS', KEYS[b]) == 1 then
    for i = 0, n - 1 do
      redis.call('HINCRBY', KEYS[b], ARGV[4 + 2 * i], ARGV[5 + 2 * i])
    end
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
local member = ARGV[4 + 2 * n]
local score = ARGV[5 + 2 * n]
if KEYS[5] ~= KEYS[6] then
  redis.call('ZREM', KEYS[5], member)
  redis.call('ZADD', KEYS[6], score, member)
end
redis.call('SADD', KEYS[8], ARGV[6 + 2 * n])
redis.call('INCR', KEYS[7])
return 1
`;

type RescoreCommand = (...args: Array<string | number>) => Promise<number>;

export class Rescorer {
  private readonly run: RescoreCommand;

  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly retention: Retention) {
    if (!('swRescore' in redis)) redis.defineCommand('swRescore', { numberOfKeys: 8, lua: RESCORE_LUA });
    this.run = (redis as unknown as { swRescore: RescoreCommand }).swRescore.bind(redis);
  }

  /** Applies a new result to a stored post; false when the post changed (or expired) in the meantime. */
  async apply(storedJson: string, post: ScoredPost, result: StanceResult): Promise<boolean> {
    const k = this.keys;
    const key = postKey(post);
    const createdMs = Date.parse(post.createdAt);
    const buckets = bucketsForPost(Math.floor(createdMs / 1000), this.retention.bucketsSeconds);
    // Net field changes: the old contribution out, the new one in (fields that cancel are dropped).
    const delta = new Map<string, number>();
    for (const [f, v] of fieldIncrements(post.source, post.lang, post.result.stance, post.result.score, post.result.model.id)) delta.set(f, (delta.get(f) ?? 0) - v);
    for (const [f, v] of fieldIncrements(post.source, post.lang, result.stance, result.score, result.model.id)) delta.set(f, (delta.get(f) ?? 0) + v);
    const changes = [...delta].filter(([, v]) => v !== 0);
    const updated: ScoredPost = { ...post, result, scoredAt: new Date().toISOString() };
    const done = await this.run(
      k.post(key), ...buckets.map((b) => k.bucket(b.res, b.start)), k.recent(`stance=${post.result.stance}`), k.recent(`stance=${result.stance}`), k.dataVersion, k.models,
      storedJson, JSON.stringify(updated), changes.length, ...changes.flat(), key, createdMs, result.model.id,
    );
    return done === 1;
  }
}
