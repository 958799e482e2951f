import { Queue, Worker } from 'bullmq';
import { createRedis } from '../../../shared/redis.ts';
import { serve } from '../ipc.ts';

/**
 * The one-job-per-post baseline: plain BullMQ, one job per post (a post-sized payload), a no-op processor
 * at concurrency 50. What a straightforward design costs before any stage does any work.
 */
serve({
  run: async ({ url, prefix, jobs }: { url: string; prefix: string; jobs: number }) => {
    const redis = createRedis(url, 'bench-baseline');
    const payload = {
      source: 'mastodon',
      id: 'x',
      url: 'https://example.org/@a/1',
      text: 'Durov '.repeat(60),
      lang: 'en',
      createdAt: new Date().toISOString(),
      author: 'a'.repeat(22),
      engagement: { likes: 0, reposts: 0, replies: 0 },
    };
    const queue = new Queue('baseline', { connection: redis, prefix });
    let completed = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const worker = new Worker('baseline', async () => undefined, {
      connection: createRedis(url, 'bench-baseline-w'),
      prefix,
      concurrency: 50,
      removeOnComplete: { count: 1_000 },
    });
    worker.on('completed', () => ++completed === jobs && resolveDone());
    for (let i = 0; i < jobs; i += 500) {
      await queue.addBulk(
        Array.from({ length: Math.min(500, jobs - i) }, (_, j) => ({
          name: 'post',
          data: { ...payload, id: String(i + j) },
          opts: { removeOnComplete: { count: 1_000 } },
        })),
      );
    }
    await done;
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await redis.quit();
    return {
      jobs,
      seconds: Number(seconds.toFixed(2)),
      jobsPerSecond: Math.round(jobs / seconds),
      cpuUsPerJob: Math.round((cpu.user + cpu.system) / jobs),
    };
  },
});
