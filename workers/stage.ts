import type { Redis } from 'ioredis';
import type { Config } from '../shared/config.ts';
import type { Keys } from '../shared/keys.ts';
import type { Logger } from '../shared/logger.ts';
import type { Metrics } from '../shared/metrics.ts';
import type { PipelineQueues } from '../shared/pipeline-queues.ts';
import type { JobHandler, QueueName } from '../shared/queues.ts';
import type { Collector } from './collect/collector.ts';
import type { ChosenScorer } from './score/choose-scorer.ts';

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
