import type { Redis } from 'ioredis';
import type { ScoringConfig } from '../../shared/config.ts';
import type { Keys } from '../../shared/keys.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Metrics } from '../../shared/metrics.ts';
import { RedisRequestBudget, UNLIMITED, type RequestBudget } from '../../shared/request-budget.ts';
import { builtinScorer } from './builtin/choice.ts';
import { GuardedScorer } from './model-guard.ts';
import { SCORERS } from './registry.ts';
import type { Scorer } from './scorer.ts';

export interface ChosenScorer {
  scorer: Scorer;
  /** Used only while the model is down, and only when SCORER_FALLBACK=builtin says so. */
  fallback?: Scorer;
}

/**
 * The scorer the settings ask for, announced once in the log so nobody mistakes one for the other.
 * A model scorer is wrapped in a circuit breaker and draws on the shared request budget.
 */
export function chooseScorer(
  cfg: ScoringConfig,
  deps: { metrics: Metrics; log: Logger; redis: Redis; keys: Keys },
): ChosenScorer {
  const { metrics, log, redis, keys } = deps;
  const budget =
    cfg.requestsPerMinute > 0 ? new RedisRequestBudget(redis, keys.modelBudget, cfg.requestsPerMinute) : UNLIMITED;
  const model = modelScorer(cfg, metrics, log, budget);
  if (model.model.kind === 'builtin') return { scorer: model };
  const scorer = new GuardedScorer(model, { ...cfg.breaker, redis, keys, metrics, log });
  if (cfg.fallback !== 'builtin') return { scorer };
  const fallback = builtinScorer(cfg.builtinModel);
  log.warn(
    { fallback: fallback.model.id },
    `SCORER_FALLBACK=builtin: while the model is down, posts are scored by the built-in scorer and labelled ${fallback.model.id}`,
  );
  return { scorer, fallback };
}

/** The bare scorer the settings select (no breaker): also what `npm run eval` measures. */
export function modelScorer(
  cfg: ScoringConfig,
  metrics: Metrics,
  log: Logger,
  budget: RequestBudget = UNLIMITED,
): Scorer {
  return SCORERS[cfg.kind](cfg, { metrics, log, budget });
}
