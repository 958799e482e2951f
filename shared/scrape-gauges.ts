import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';
import type { Metrics } from './metrics.ts';
import { refreshQueueDepth, type PipelineQueues } from './pipeline-queues.ts';
import type { SeriesState } from './spikes/detector.ts';
import { SPIKE_KINDS, SPIKE_STANCES } from './spikes/detector.ts';

/**
 * Gauges computed at scrape time from Redis, so every API replica reports the same truth whatever
 * workers replica ran the detector: spike state, Redis health, queue depths.
 */
export function scrapeGauges(metrics: Metrics, redis: Redis, keys: Keys, queues: PipelineQueues): () => Promise<void> {
  return async () => {
    try {
      await redis.ping();
      metrics.redisUp.set(1);
      const info = await redis.info('memory');
      const used = /^used_memory:(\d+)/m.exec(info);
      if (used) metrics.redisUsedMemory.set(Number(used[1]));
    } catch {
      metrics.redisUp.set(0);
      return; // nothing else can be read
    }
    const [states, last, model] = await Promise.all([
      redis.hgetall(keys.spikeState),
      redis.hgetall(keys.spikeLast),
      redis.get(keys.modelState),
    ]);
    metrics.modelUp.set(model && !(JSON.parse(model) as { up: boolean }).up ? 0 : 1);
    for (const stance of SPIKE_STANCES) {
      for (const kind of SPIKE_KINDS) {
        const active = Object.entries(states).some(
          ([series, json]) =>
            series.startsWith(`${stance}/${kind}/`) && Boolean((JSON.parse(json) as SeriesState).active),
        );
        metrics.spikeActive.set({ stance, kind }, active ? 1 : 0);
      }
      const zs = Object.entries(last)
        .filter(([series]) => series.startsWith(`${stance}/volume/`))
        .map(([, json]) => (JSON.parse(json) as { z: number }).z);
      metrics.spikeZscore.set({ stance }, zs.length ? Math.max(...zs) : 0);
    }
    await refreshQueueDepth(metrics, queues);
  };
}
