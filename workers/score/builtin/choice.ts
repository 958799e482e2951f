import type { ScorerFactory, Scorer } from '../scorer.ts';
import { LinearScorer } from './linear.ts';
import { BuiltinScorer } from './scorer.ts';

/** BUILTIN_MODEL: the trained linear model (builtin-linear-v1) by default, or the lexicon (builtin-lexicon-v1). */
export type BuiltinChoice = 'linear' | 'lexicon';

export function builtinScorer(which: BuiltinChoice): Scorer {
  return which === 'lexicon' ? new BuiltinScorer() : new LinearScorer();
}

export const builtin: ScorerFactory = (cfg, { log }) => {
  const scorer = builtinScorer(cfg.builtinModel);
  log.info(
    { model: scorer.model.id, setup: scorer.model.setup },
    `no model configured (HF_TOKEN, HF_ENDPOINT_URL or TEI_URL): scoring with the built-in scorer; results are labelled ${scorer.model.id}`,
  );
  return scorer;
};
