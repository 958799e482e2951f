import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Metrics } from '../../shared/metrics.ts';
import { postKey, type Post } from '../../shared/post.ts';
import type { Config } from '../../shared/config.ts';
import { PIPELINE_JOB_OPTIONS, jobIds, type ScoreJob } from '../../shared/queues.ts';
import { defineScript } from '../../shared/redis-script.ts';
import { DEFAULT_POST_MAX_CHARS } from '../../shared/text/bounds.ts';
import { isRelevant } from '../../shared/text/relevance.ts';
import { boundedPost } from './link-policy.ts';
import { createSources } from './sources/registry.ts';
import { SourceError, type BackfillRange, type Feed, type PollContext, type Source } from './sources/source.ts';

const releasePollLock = defineScript(new URL('./release-poll-lock.lua', import.meta.url), {
  keys: ['lock'],
  argv: ['token'],
});
const extendPollLock = defineScript(new URL('./extend-poll-lock.lua', import.meta.url), {
  keys: ['lock'],
  argv: ['token', 'ms'],
});

export interface CollectorDeps {
  redis: Redis;
  keys: Keys;
  scoreQueue: Queue<ScoreJob>;
  metrics: Metrics;
  log: Logger;
  sources: Source[];
  authorKey: string;
  batchSize: number;
  seenTtlSeconds: number;
  /** Post text is cut to this many characters at collection (POST_MAX_CHARS). */
  maxPostChars?: number;
  /**
   * Lifetime of a feed's poll lock. It is renewed every third of that while the poll runs, so a slow poll
   * keeps it and a worker killed mid-poll blocks the feed for at most this long.
   */
  pollLockMs: number;
  now?: () => number;
}

export interface CollectOutcome {
  feedId: string;
  skipped?: 'paused' | 'busy';
  pages: number;
  read: number;
  relevant: number;
  duplicates: number;
  enqueued: number;
  error?: string;
}

/**
 * Runs one poll of one feed: read pages from the cursor on, keep the relevant posts, drop the ones seen
 * before, hand the rest to the score queue in batches, and only then move the cursor. A crash anywhere
 * leaves the cursor behind the unread data, so the next poll reads it again; de-duplication makes that safe.
 */
export class Collector {
  private readonly now: () => number;
  private readonly feeds = new Map<string, { feed: Feed; source: Source }>();
  /** Poll locks this process holds (feed → token), released on shutdown. */
  private readonly held = new Map<string, string>();

  constructor(private readonly deps: CollectorDeps) {
    this.now = deps.now ?? Date.now;
    for (const source of deps.sources) for (const feed of source.feeds) this.feeds.set(feed.id, { feed, source });
  }

  allFeeds(): Feed[] {
    return [...this.feeds.values()].map((x) => x.feed);
  }

  async collect(feedId: string): Promise<CollectOutcome> {
    const entry = this.feeds.get(feedId);
    if (!entry) throw new Error(`no such feed: ${feedId}`);
    const { feed, source } = entry;
    const { redis, keys } = this.deps;
    const out: CollectOutcome = { feedId, pages: 0, read: 0, relevant: 0, duplicates: 0, enqueued: 0 };

    const notBefore = Number((await redis.get(keys.notBefore(feedId))) ?? 0);
    if (notBefore > this.now()) return { ...out, skipped: 'paused' };
    // A poll slower than the schedule must not overlap the next one: both would read the same pages.
    const token = randomBytes(8).toString('hex');
    const lockMs = this.deps.pollLockMs;
    if (!(await redis.set(keys.pollLock(feedId), token, 'PX', lockMs, 'NX'))) return { ...out, skipped: 'busy' };
    this.held.set(feedId, token);
    const renew = setInterval(
      () => {
        extendPollLock.run(redis, { lock: keys.pollLock(feedId) }, { token, ms: String(lockMs) }).catch(() => {});
      },
      Math.max(100, Math.floor(lockMs / 3)),
    );
    try {
      return await this.poll(feed, source, out);
    } finally {
      clearInterval(renew);
      this.held.delete(feedId);
      await releasePollLock.run(redis, { lock: keys.pollLock(feedId) }, { token });
    }
  }

  /** Releases the poll locks of polls still running (shutdown): the next poll need not wait for them to lapse. */
  async releaseLocks(): Promise<void> {
    const held = [...this.held];
    this.held.clear();
    await Promise.all(
      held.map(([feedId, token]) =>
        releasePollLock.run(this.deps.redis, { lock: this.deps.keys.pollLock(feedId) }, { token }),
      ),
    );
  }

  private async poll(feed: Feed, source: Source, out: CollectOutcome): Promise<CollectOutcome> {
    const { redis, keys, metrics, log } = this.deps;
    const feedId = feed.id;

    const cursor = await redis.get(keys.cursor(feedId));
    try {
      for await (const page of source.poll(feed, cursor, this.context(feedId, source))) {
        await this.take(page.posts, source, out);
        if (page.cursor !== undefined) await redis.set(keys.cursor(feedId), page.cursor);
        if (page.pauseUntilMs) await this.pause(feedId, page.pauseUntilMs);
      }
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      metrics.collectErrors.inc({ source: source.name, reason: err.reason });
      log.warn({ feed: feedId, reason: err.reason, err: err.message }, 'poll stopped; cursor kept where it was');
      await redis.hset(
        keys.sourceLastError,
        feedId,
        JSON.stringify({ reason: err.reason, at: new Date(this.now()).toISOString() }),
      );
      if (err.pauseUntilMs) await this.pause(feedId, err.pauseUntilMs);
      return { ...out, error: err.reason };
    }
    await redis.hset(keys.sourceLastSuccess, feedId, String(this.now()));
    metrics.sourceLastSuccess.set({ source: source.name }, this.now() / 1000);
    return out;
  }

  /**
   * Reads a range of history through the same relevance filter, de-duplication and batching as a poll,
   * without touching the live cursor. Sources that keep no history (RSS) cannot be backfilled.
   */
  async backfill(feedId: string, range: BackfillRange): Promise<CollectOutcome> {
    const entry = this.feeds.get(feedId);
    if (!entry) throw new Error(`no such feed: ${feedId}`);
    const { feed, source } = entry;
    if (!source.backfill) throw new Error(`${source.name} keeps no history that can be paged back through`);
    const out: CollectOutcome = { feedId, pages: 0, read: 0, relevant: 0, duplicates: 0, enqueued: 0 };
    try {
      for await (const page of source.backfill(feed, range, this.context(feedId, source)))
        await this.take(page.posts, source, out);
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      this.deps.metrics.collectErrors.inc({ source: source.name, reason: err.reason });
      return { ...out, error: `${err.reason}: ${err.message}` };
    }
    return out;
  }

  /** Filters, de-duplicates and enqueues one page's posts; the counts go into `out`. */
  private async take(raw: Post[], source: Source, out: CollectOutcome): Promise<void> {
    const { metrics } = this.deps;
    const posts = raw.map((p) => {
      const b = boundedPost(p, this.deps.maxPostChars ?? DEFAULT_POST_MAX_CHARS);
      if (b.urlDropped) {
        metrics.collectErrors.inc({ source: source.name, reason: 'unsafe_url' });
        this.deps.log.warn(
          { source: source.name, post: postKey(p) },
          "dropped a post link that is not http(s) on the platform's host",
        );
      }
      return b.post;
    });
    out.pages++;
    out.read += posts.length;
    metrics.postsCollected.inc({ source: source.name }, posts.length);
    const relevant = posts.filter((p) => isRelevant(p.text));
    metrics.postsFiltered.inc({ source: source.name }, posts.length - relevant.length);
    out.relevant += relevant.length;
    const fresh = await this.unseen(relevant);
    out.duplicates += relevant.length - fresh.length;
    metrics.postsDuplicate.inc({ source: source.name, stage: 'collect' }, relevant.length - fresh.length);
    await this.enqueue(fresh);
    out.enqueued += fresh.length;
    await this.markSeen(fresh);
  }

  private context(feedId: string, source: Source): PollContext {
    return {
      authorKey: this.deps.authorKey,
      now: this.now,
      reportItemError: (reason, detail) => {
        this.deps.metrics.collectErrors.inc({ source: source.name, reason });
        this.deps.log.warn({ feed: feedId, reason, detail }, 'skipped an item that cannot be used');
      },
      reportRefusal: (reason, detail) => {
        this.deps.metrics.collectErrors.inc({ source: source.name, reason });
        this.deps.log.info({ feed: feedId, reason, detail }, 'page refused; the poll goes on without it');
      },
    };
  }

  private async unseen(posts: Post[]): Promise<Post[]> {
    const byKey = new Map(posts.map((p) => [postKey(p), p] as const)); // a page may repeat a post
    if (byKey.size === 0) return [];
    const keys = [...byKey.keys()];
    // One MGET for the page rather than one EXISTS per post.
    const seen = await this.deps.redis.mget(keys.map((k) => this.deps.keys.seen(k)));
    return keys.filter((_, i) => seen[i] === null).map((k) => byKey.get(k)!);
  }

  private async enqueue(posts: Post[]): Promise<void> {
    if (posts.length === 0) return;
    const jobs = [];
    for (let i = 0; i < posts.length; i += this.deps.batchSize) {
      const batch = posts.slice(i, i + this.deps.batchSize);
      jobs.push({
        name: 'score',
        data: { posts: batch },
        opts: { ...PIPELINE_JOB_OPTIONS, jobId: jobIds.score(batch) },
      });
    }
    await this.deps.scoreQueue.addBulk(jobs);
  }

  private async markSeen(posts: Post[]): Promise<void> {
    await Promise.all(
      posts.map((p) => this.deps.redis.set(this.deps.keys.seen(postKey(p)), '1', 'EX', this.deps.seenTtlSeconds)),
    );
  }

  private async pause(feedId: string, untilMs: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil((untilMs - this.now()) / 1000));
    await this.deps.redis.set(this.deps.keys.notBefore(feedId), String(untilMs), 'EX', ttl);
    this.deps.log.info(
      { feed: feedId, until: new Date(untilMs).toISOString() },
      'source asked us to slow down; pausing this feed',
    );
  }
}

/** The process's collector over the sources the settings enable (or the given ones, in tests and commands). */
export async function createCollector(
  cfg: Pick<Config, 'sources' | 'workers' | 'retention'>,
  deps: Pick<CollectorDeps, 'redis' | 'keys' | 'metrics' | 'log' | 'scoreQueue'>,
  sources?: Source[],
): Promise<Collector> {
  const { redis, keys, log } = deps;
  return new Collector({
    ...deps,
    authorKey: cfg.workers.authorHashKey ?? (await sharedAuthorKey(redis, keys, log)),
    sources: sources ?? createSources(cfg.sources, { redis, keys, log }),
    batchSize: cfg.workers.scoreBatchSize,
    seenTtlSeconds: cfg.retention.seenSeconds,
    maxPostChars: cfg.sources.maxPostChars,
    pollLockMs: cfg.workers.jobLockMs,
  });
}

/** Without a configured key, one random key is created in Redis and shared by every replica. */
async function sharedAuthorKey(redis: Redis, keys: Keys, log: Logger): Promise<string> {
  const created = await redis.set(keys.authorHashKey, randomBytes(32).toString('base64url'), 'NX');
  if (created) log.info('no AUTHOR_HASH_KEY set: created a random author-pseudonym key in Redis');
  return (await redis.get(keys.authorHashKey))!;
}
