import type { ModelRef, Stance, StanceResult } from '../../../shared/post.ts';
import { CRITICISM_CUES, NEGATOR_PHRASES, NEGATOR_WORDS, SUPPORT_CUES, type Cue } from './lexicon.ts';
import type { Scorer } from '../scorer.ts';

export const BUILTIN_MODEL: ModelRef = { id: 'builtin-lexicon-v1', kind: 'builtin' };

/** How much text before a cue is searched for a negator, in characters. */
const NEGATION_WINDOW = 32;
/** |score| below this is neutral: one weak cue is not a side. */
const NEUTRAL_BAND = 0.2;

function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[’`]/g, "'").replace(/[#_]/g, ' ').replace(/\s+/g, ' ');
}

function weigh(text: string, cues: Cue[]): { direct: number; negated: number } {
  let direct = 0,
    negated = 0;
  for (const cue of cues) {
    for (const m of text.matchAll(cue.re)) {
      // Negation does not cross a clause boundary: "not censorship, it hosts crime" negates only the first cue.
      const before = text
        .slice(Math.max(0, m.index - NEGATION_WINDOW), m.index)
        .split(/[,.;:!?()—–-]/u)
        .pop()!
        .trimEnd();
      // A negator among the last three words turns the cue around; whole words, so "know" is not "no".
      const lastWords = before
        .split(' ')
        .slice(-3)
        .map((w) => w.replace(/[^\p{L}']/gu, ''));
      const isNegated = lastWords.some((w) => NEGATOR_WORDS.has(w)) || NEGATOR_PHRASES.test(before);
      if (isNegated) negated += cue.weight;
      else direct += cue.weight;
    }
  }
  return { direct, negated };
}

/**
 * Deterministic multilingual stance from a lexicon of topic cues, with simple negation handling.
 * A fallback, not a model: every result carries `builtin-lexicon-v1` so it is never mistaken for one.
 */
export function scoreBuiltin(text: string): StanceResult {
  const t = normalise(text);
  const sup = weigh(t, SUPPORT_CUES);
  const cri = weigh(t, CRITICISM_CUES);
  const support = sup.direct + cri.negated;
  const criticism = cri.direct + sup.negated;
  const evidence = support + criticism;
  const score = evidence === 0 ? 0 : (support - criticism) / (evidence + 1);
  const stance: Stance = score >= NEUTRAL_BAND ? 'support' : score <= -NEUTRAL_BAND ? 'criticism' : 'neutral';
  // More evidence, and evidence that agrees, means more confidence; never certainty from a lexicon.
  const confidence = stance === 'neutral' ? (evidence === 0 ? 0.5 : 0.4) : Math.min(0.9, 0.4 + Math.abs(score) * 0.5);
  return {
    stance,
    score: Math.round(score * 1e4) / 1e4,
    confidence: Math.round(confidence * 1e4) / 1e4,
    model: BUILTIN_MODEL,
  };
}

export class BuiltinScorer implements Scorer {
  readonly model = BUILTIN_MODEL;
  readonly inProcess: boolean = true;
  async score(texts: string[]): Promise<StanceResult[]> {
    return texts.map(scoreBuiltin);
  }
}
