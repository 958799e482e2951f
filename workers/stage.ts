import type { Redis } from 'ioredis';
import type { Config } from '../shared/config.ts';
import { createKeys, type Keys } from '../shared/keys.ts';
import type { Logger } from '../shared/logger.ts';
import { initialiseWorkerSeries, type Metrics } from '../shared/metrics.ts';
import { openQueues, type PipelineQueues } from '../shared/pipeline-queues.ts';
import type { JobHandler, QueueName } from '../shared/queues.ts';
import { createCollector, type Collector } from './collect/collector.ts';
import type { Source } from './collect/sources/source.ts';
import { chooseScorer, type ChosenScorer } from './score/choose-scorer.ts';
import type { Scorer } from './score/scorer.ts';

/** What a workers process builds once and every stage may draw on; each stage takes only what it needs. */
export interface StageContext {
  cfg: Config;
  redis: Redis;
  keys: Keys;
  metrics: Metrics;
  log: Logger;
  queues: PipelineQueues;
  collector: Collector;
  scorer: ChosenScorer;
}

/** The one signature of a stage: given the process's context, the function that processes its queue's jobs. */
export type HandlerFactory<Q extends QueueName> = (ctx: StageContext) => JobHandler<Q>;

export interface WorkerOverrides {
  sources?: Source[];
  scorer?: Scorer;
  /** false: process jobs but schedule no polls and no spike detection (one-off commands such as backfill). */
  schedule?: boolean;
}

/** Queues, the scorer the settings choose and the collector over the enabled sources, with their metric series. */
export async function createStageContext(
  cfg: Config,
  base: { redis: Redis; metrics: Metrics; log: Logger },
  overrides: WorkerOverrides,
): Promise<StageContext> {
  const { redis, metrics, log } = base;
  const keys = createKeys(cfg.redis.prefix);
  const queues = openQueues(redis, keys);
  const scorer = overrides.scorer
    ? { scorer: overrides.scorer }
    : chooseScorer(cfg.scoring, { metrics, log, redis, keys });
  const collector = await createCollector(
    cfg,
    { redis, keys, metrics, log, scoreQueue: queues.score },
    overrides.sources,
  );
  initialiseWorkerSeries(metrics, [...new Set(collector.allFeeds().map((f) => f.source))], scorer.scorer.model.kind);
  return { cfg, ...base, keys, queues, collector, scorer };
}
