import { BuiltinScorer } from './builtin.ts';
import { LinearScorer } from './builtin-linear.ts';
import type { Scorer } from './scorer.ts';

/** BUILTIN_MODEL: the trained linear model (builtin-linear-v1) by default, or the lexicon (builtin-lexicon-v1). */
export type BuiltinChoice = 'linear' | 'lexicon';

export function builtinScorer(which: BuiltinChoice): Scorer {
  return which === 'lexicon' ? new BuiltinScorer() : new LinearScorer();
}
