import type { Config } from '../../shared/config.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Metrics } from '../../shared/metrics.ts';
import { BuiltinScorer } from './builtin.ts';
import { HuggingFaceScorer } from './huggingface.ts';
import type { Scorer } from './scorer.ts';

/** The scorer the configuration asks for, announced once in the log so nobody mistakes one for the other. */
export function chooseScorer(cfg: Config, metrics: Metrics, log: Logger): Scorer {
  if (cfg.scorer === 'builtin') {
    log.info({ model: 'builtin-lexicon-v1' }, 'no HF_TOKEN or HF_ENDPOINT_URL: scoring with the built-in lexicon scorer; results are labelled builtin-lexicon-v1');
    return new BuiltinScorer();
  }
  const scorer = new HuggingFaceScorer({
    ...(cfg.HF_TOKEN ? { token: cfg.HF_TOKEN } : {}),
    ...(cfg.HF_ENDPOINT_URL ? { endpointUrl: cfg.HF_ENDPOINT_URL } : {}),
    model: cfg.HF_MODEL,
    routerUrl: cfg.HF_ROUTER_URL,
    hubUrl: cfg.HF_HUB_URL,
    timeoutMs: cfg.HF_TIMEOUT_MS,
    concurrency: cfg.HF_CONCURRENCY,
    maxAttempts: cfg.HF_MAX_ATTEMPTS,
    backoffBaseMs: cfg.HF_BACKOFF_BASE_MS,
    backoffMaxMs: cfg.HF_BACKOFF_MAX_MS,
    metrics,
    log,
  });
  log.info({ model: scorer.model.id, via: cfg.HF_ENDPOINT_URL ? 'endpoint' : 'hf-inference provider' }, 'scoring with a Hugging Face model');
  return scorer;
}
