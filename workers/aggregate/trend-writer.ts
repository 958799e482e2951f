import type { Redis } from 'ioredis';
import { bucketsForPost, fieldIncrements, RESOLUTION_SECONDS } from '../../shared/buckets.ts';
import type { Keys, Resolution } from '../../shared/keys.ts';
import { postKey, type ScoredPost } from '../../shared/post.ts';

/**
 * Counts one post into its minute/hour/day buckets and the recent-posts indexes, atomically and at most
 * once: the `counted` marker is set in the same script that increments, so a retried or re-delivered job
 * (a worker killed half-way) can neither skip a post nor count it twice.
 */
const AGGREGATE_LUA = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
local now = tonumber(ARGV[5])
local n = tonumber(ARGV[13])
for b = 0, 2 do
  local expireAt = tonumber(ARGV[2 + b])
  if expireAt > now then
    local key = KEYS[2 + b]
    for i = 0, n - 1 do
      redis.call('HINCRBY', key, ARGV[14 + 2 * i], ARGV[15 + 2 * i])
    end
    redis.call('EXPIREAT', key, expireAt)
  end
end
local createdAt = tonumber(ARGV[8])
local oldest = tonumber(ARGV[11])
if createdAt >= oldest then
  redis.call('SET', KEYS[5], ARGV[6], 'EX', ARGV[7])
  for z = 6, 9 do
    redis.call('ZADD', KEYS[z], createdAt, ARGV[9])
    redis.call('ZREMRANGEBYSCORE', KEYS[z], '-inf', '(' .. oldest)
    redis.call('ZREMRANGEBYRANK', KEYS[z], 0, -(tonumber(ARGV[10]) + 1))
  end
end
redis.call('SADD', KEYS[11], ARGV[12])
redis.call('INCR', KEYS[10])
return 1
`;

export interface Retention {
  countedSeconds: number;
  postsSeconds: number;
  postsMax: number;
  bucketsSeconds: Record<Resolution, number>;
}

type AggregateCommand = (...args: Array<string | number>) => Promise<number>;

export class TrendWriter {
  private readonly run: AggregateCommand;

  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly retention: Retention) {
    if (!('swAggregate' in redis)) redis.defineCommand('swAggregate', { numberOfKeys: 11, lua: AGGREGATE_LUA });
    this.run = (redis as unknown as { swAggregate: AggregateCommand }).swAggregate.bind(redis);
  }

  /** Counts the posts not counted before; returns how many were new. */
  async add(posts: ScoredPost[], nowMs = Date.now()): Promise<ScoredPost[]> {
    const added = await Promise.all(posts.map((p) => this.addOne(p, nowMs)));
    return posts.filter((_, i) => added[i] === 1);
  }

  private addOne(post: ScoredPost, nowMs: number): Promise<number> {
    const k = this.keys;
    const key = postKey(post);
    // A post dated in the future (clock skew at the source) is counted now rather than in a bucket nobody reads yet.
    const createdMs = Math.min(Date.parse(post.createdAt), nowMs);
    const buckets = bucketsForPost(Math.floor(createdMs / 1000), this.retention.bucketsSeconds);
    const fields = fieldIncrements(post.source, post.lang, post.result.stance, post.result.score, post.result.model.id);
    const keysArgs = [
      k.counted(key),
      ...buckets.map((b) => k.bucket(b.res, b.start)),
      k.post(key),
      k.recent('all'),
      k.recent(`stance=${post.result.stance}`),
      k.recent(`source=${post.source}`),
      k.recent(`lang=${post.lang}`),
      k.dataVersion,
      k.models,
    ];
    const args = [
      this.retention.countedSeconds,
      ...buckets.map((b) => b.expireAt),
      Math.floor(nowMs / 1000),
      JSON.stringify(post),
      this.retention.postsSeconds,
      createdMs,
      key,
      this.retention.postsMax,
      nowMs - this.retention.postsSeconds * 1000,
      post.result.model.id,
      fields.length,
      ...fields.flat(),
    ];
    return this.run(...keysArgs, ...args);
  }
}

export function retentionFromConfig(cfg: {
  SEEN_TTL_DAYS: number;
  POSTS_RETENTION_HOURS: number;
  POSTS_RETENTION_MAX: number;
  MINUTE_BUCKETS_RETENTION_DAYS: number;
  HOUR_BUCKETS_RETENTION_DAYS: number;
  DAY_BUCKETS_RETENTION_DAYS: number;
}): Retention {
  const day = RESOLUTION_SECONDS.d;
  return {
    countedSeconds: cfg.SEEN_TTL_DAYS * day,
    postsSeconds: cfg.POSTS_RETENTION_HOURS * 3_600,
    postsMax: cfg.POSTS_RETENTION_MAX,
    bucketsSeconds: { m: cfg.MINUTE_BUCKETS_RETENTION_DAYS * day, h: cfg.HOUR_BUCKETS_RETENTION_DAYS * day, d: cfg.DAY_BUCKETS_RETENTION_DAYS * day },
  };
}
