import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '../shared/keys.ts';
import { createLogger } from '../shared/logger.ts';
import { createMetrics, type Metrics } from '../shared/metrics.ts';
import type { ScoreJob } from '../shared/queues.ts';
import { Collector } from '../workers/collect/collector.ts';
import type { Source } from '../workers/collect/sources/source.ts';

/** A collector over one source with its own Redis prefix and score queue, and a clock the test moves. */
export class CollectorHarness {
  readonly keys: Keys;
  readonly queue: Queue<ScoreJob>;
  readonly metrics: Metrics = createMetrics();
  /** What the collector logged at warn and above (skipped items, stopped polls), parsed. */
  readonly warnings: Array<{ msg: string; reason?: string; detail?: string }> = [];
  now = Date.now();

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = createKeys(prefix);
    this.queue = new Queue<ScoreJob>('score', { connection: redis, prefix: this.keys.bullPrefix });
  }

  collector(source: Source): Collector {
    return new Collector({
      redis: this.redis,
      keys: this.keys,
      metrics: this.metrics,
      log: createLogger('warn', 'harness', { write: (line: string) => void this.warnings.push(JSON.parse(line)) }),
      sources: [source],
      authorKey: 'k',
      batchSize: 50,
      seenTtlSeconds: 3_600,
      pollLockMs: 30_000,
      scoreQueue: this.queue,
      now: () => this.now,
    });
  }

  async queuedTexts(): Promise<string[]> {
    const jobs = await this.queue.getJobs(['waiting', 'delayed', 'prioritized']);
    return jobs.flatMap((j) => j.data.posts.map((p) => p.text)).sort();
  }

  async queuedPosts() {
    const jobs = await this.queue.getJobs(['waiting', 'delayed', 'prioritized']);
    return jobs.flatMap((j) => j.data.posts);
  }

  /** Details of the items the collector was told were skipped for this reason. */
  skippedItems(reason: string): string[] {
    return this.warnings.filter((w) => w.reason === reason && w.msg.startsWith('skipped')).map((w) => w.detail ?? '');
  }

  async errors(reason: string): Promise<number> {
    return (await this.metrics.collectErrors.get()).values
      .filter((v) => v.labels.reason === reason)
      .reduce((a, v) => a + v.value, 0);
  }

  cursor(feedId: string): Promise<string | null> {
    return this.redis.get(this.keys.cursor(feedId));
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
