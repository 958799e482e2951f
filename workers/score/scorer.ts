import type { ScoringConfig } from '../../shared/config.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Metrics } from '../../shared/metrics.ts';
import type { ModelRef, StanceResult } from '../../shared/post.ts';
import type { RequestBudget } from '../../shared/request-budget.ts';

/** Scores texts for stance toward Durov. Results come back in the order of the texts. */
export interface Scorer {
  readonly model: ModelRef;
  /**
   * Scores in this process in microseconds (the built-in scorers). Such texts skip the score cache and the
   * claims that keep a model from scoring one status twice: a Redis round trip and a key per text would cost
   * more than scoring again, and the cache took 134 bytes of Redis per post.
   */
  readonly inProcess?: boolean;
  score(texts: string[]): Promise<StanceResult[]>;
  /**
   * Asks the service, once at start-up, what can be known before the first post (a TEI server's limits,
   * whether the Hub maps the model to the provider). Throws ModelConfigError for a setup that cannot work.
   */
  start?(): Promise<void>;
}

/** The model cannot work as configured (e.g. the provider does not serve it): an operator must act; retrying is useless. */
export class ModelConfigError extends Error {
  /**
   * @param publicMessage what the public /readyz may show: our own words and settings only, never text an
   * upstream sent (it can echo credentials). Defaults to the message, for errors we word entirely ourselves.
   */
  constructor(
    message: string,
    readonly publicMessage: string = message,
  ) {
    super(message);
    this.name = 'ModelConfigError';
  }
}

/** Text with nothing to judge (empty, or only links/mentions/hashtags of a URL) gets neutral without a model call. */
export function hasScorableText(text: string): boolean {
  const stripped = text.replace(/https?:\/\/\S+/g, ' ').replace(/[\s\p{P}\p{S}]+/gu, '');
  return stripped.length >= 3;
}

export interface ScorerDeps {
  metrics: Metrics;
  log: Logger;
  /** The model's shared requests-per-minute budget. */
  budget: RequestBudget;
}

/** Builds a scorer from the scoring section and announces it once in the log. */
export type ScorerFactory = (cfg: ScoringConfig, deps: ScorerDeps) => Scorer;
