import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config.ts';
import type { Keys } from '../../shared/keys.ts';
import { RedisRequestBudget, UNLIMITED, type RequestBudget } from '../../shared/request-budget.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Metrics } from '../../shared/metrics.ts';
import { builtinScorer } from './builtin-choice.ts';
import { HuggingFaceScorer } from './huggingface.ts';
import { GuardedScorer } from './model-guard.ts';
import type { Scorer } from './scorer.ts';
import { parseLabelMap } from './stance-map.ts';
import { TeiScorer } from './tei.ts';

export interface ChosenScorer {
  scorer: Scorer;
  /** Used only while the model is down, and only when SCORER_FALLBACK=builtin says so. */
  fallback?: Scorer;
}

/**
 * The scorer the configuration asks for, announced once in the log so nobody mistakes one for the other.
 * A model scorer is wrapped in a circuit breaker and draws on the shared request budget.
 */
export function chooseScorer(cfg: Config, metrics: Metrics, log: Logger, redis: Redis, keys: Keys): ChosenScorer {
  const model = modelScorer(cfg, metrics, log, cfg.MODEL_REQUESTS_PER_MINUTE > 0 ? new RedisRequestBudget(redis, keys.modelBudget, cfg.MODEL_REQUESTS_PER_MINUTE) : UNLIMITED);
  if (model.model.kind === 'builtin') return { scorer: model };
  const scorer = new GuardedScorer(model, { failures: cfg.MODEL_BREAKER_FAILURES, cooldownMs: cfg.MODEL_BREAKER_COOLDOWN_SECONDS * 1000, redis, keys, metrics, log });
  if (cfg.SCORER_FALLBACK !== 'builtin') return { scorer };
  const fallback = builtinScorer(cfg.BUILTIN_MODEL);
  log.warn({ fallback: fallback.model.id }, `SCORER_FALLBACK=builtin: while the model is down, posts are scored by the built-in scorer and labelled ${fallback.model.id}`);
  return { scorer, fallback };
}

/** The bare scorer the configuration selects (no breaker): also what `npm run eval` measures. */
export function modelScorer(cfg: Config, metrics: Metrics, log: Logger, budget: RequestBudget = UNLIMITED): Scorer {
  const hypotheses = { support: cfg.HYPOTHESIS_SUPPORT, criticism: cfg.HYPOTHESIS_CRITICISM, neutral: cfg.HYPOTHESIS_NEUTRAL };
  const retries = { timeoutMs: cfg.HF_TIMEOUT_MS, maxAttempts: cfg.HF_MAX_ATTEMPTS, backoffBaseMs: cfg.HF_BACKOFF_BASE_MS, backoffMaxMs: cfg.HF_BACKOFF_MAX_MS };
  if (cfg.scorer === 'builtin') {
    const builtin = builtinScorer(cfg.BUILTIN_MODEL);
    log.info({ model: builtin.model.id, setup: builtin.model.setup }, `no model configured (HF_TOKEN, HF_ENDPOINT_URL or TEI_URL): scoring with the built-in scorer; results are labelled ${builtin.model.id}`);
    return builtin;
  }
  if (cfg.scorer === 'tei') {
    const tei = new TeiScorer({
      url: cfg.TEI_URL!, ...(cfg.TEI_API_KEY ? { apiKey: cfg.TEI_API_KEY } : {}), modelLabel: cfg.TEI_MODEL, maxBatch: cfg.TEI_MAX_BATCH,
      multiLabel: cfg.HF_MULTI_LABEL, hypotheses, budget, metrics, log, ...retries,
    });
    log.info({ model: tei.model.id, setup: tei.model.setup }, 'scoring with a self-hosted TEI server');
    return tei;
  }
  const scorer = new HuggingFaceScorer({
    ...(cfg.HF_TOKEN ? { token: cfg.HF_TOKEN } : {}),
    ...(cfg.HF_ENDPOINT_URL ? { endpointUrl: cfg.HF_ENDPOINT_URL } : {}),
    model: cfg.HF_MODEL,
    routerUrl: cfg.HF_ROUTER_URL,
    hubUrl: cfg.HF_HUB_URL,
    concurrency: cfg.HF_CONCURRENCY,
    multiLabel: cfg.HF_MULTI_LABEL,
    hypotheses,
    ...(cfg.HF_TASK === 'text-classification' ? { classifier: { labelMap: parseLabelMap(cfg.HF_LABEL_MAP) } } : {}),
    budget,
    metrics,
    log,
    ...retries,
  });
  log.info({ model: scorer.model.id, setup: scorer.model.setup, via: cfg.HF_ENDPOINT_URL ? 'endpoint' : 'hf-inference provider' }, 'scoring with a Hugging Face model');
  return scorer;
}
