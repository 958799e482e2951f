import type { ScoringConfig } from '../../shared/config.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Metrics } from '../../shared/metrics.ts';
import type { ModelRef, StanceResult } from '../../shared/post.ts';
import type { RequestBudget } from '../../shared/request-budget.ts';

/** Scores texts for stance toward Durov. Results come back in the order of the texts. */
export interface Scorer {
  readonly model: ModelRef;
  score(texts: string[]): Promise<StanceResult[]>;
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
