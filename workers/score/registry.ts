import type { ScorerKind } from '../../shared/lists.ts';
import { builtin } from './builtin/choice.ts';
import { huggingface } from './huggingface/scorer.ts';
import type { ScorerFactory } from './scorer.ts';
import { tei } from './tei/scorer.ts';

/** Every scorer, by kind. A kind in SCORER_KINDS without a factory here (or the reverse) does not compile. */
export const SCORERS = { builtin, huggingface, tei } satisfies Record<ScorerKind, ScorerFactory>;
