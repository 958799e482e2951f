import type { Stance } from '../../shared/post.ts';

/**
 * Zero-shot NLI stance: the model judges how strongly the post entails each hypothesis about Durov.
 * Hypotheses name the target explicitly, because stance is not sentiment (see shared/reference/domain.md).
 */
export interface Hypotheses {
  support: string;
  criticism: string;
  neutral: string;
}

export const DEFAULT_HYPOTHESES: Hypotheses = {
  support: 'The author defends Pavel Durov or Telegram and thinks his arrest is unjust.',
  criticism: 'The author blames Pavel Durov or Telegram and approves of his arrest or the charges.',
  neutral: 'The author reports on the Durov case without taking a side.',
};

export class ModelOutputError extends Error {}

export interface StanceScores {
  stance: Stance;
  score: number;
  confidence: number;
}

/**
 * Maps the model's `[{label, score}]` (labels are our hypotheses) to a stance. Scores are renormalised so
 * the mapping is the same for single-label (already summing to 1) and multi-label answers.
 * score = P(support) − P(criticism) ∈ [−1, 1]; confidence = probability of the chosen stance.
 */
export function mapZeroShotAnswer(answer: ReadonlyArray<{ label: string; score: number }>, hyps: Hypotheses): StanceScores {
  const byLabel = new Map(answer.map((x) => [x.label, x.score] as const));
  const raw = { support: byLabel.get(hyps.support), criticism: byLabel.get(hyps.criticism), neutral: byLabel.get(hyps.neutral) };
  for (const [stance, v] of Object.entries(raw)) {
    if (v === undefined || !Number.isFinite(v) || v < 0) throw new ModelOutputError(`model answer has no usable score for the ${stance} hypothesis`);
  }
  const s = raw.support!, c = raw.criticism!, n = raw.neutral!;
  const total = s + c + n;
  if (total <= 0) throw new ModelOutputError('model answer scores sum to zero');
  const p = { support: s / total, criticism: c / total, neutral: n / total };
  // Ties go to neutral: a model that cannot decide has not found a side.
  const stance: Stance = p.support > p.criticism && p.support > p.neutral ? 'support' : p.criticism > p.support && p.criticism > p.neutral ? 'criticism' : 'neutral';
  return { stance, score: clamp(p.support - p.criticism, -1, 1), confidence: clamp(p[stance], 0, 1) };
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
