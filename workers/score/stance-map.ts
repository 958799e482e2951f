import { createHash } from 'node:crypto';
import { DEFAULT_HYPOTHESES, type Hypotheses } from '../../shared/hypotheses.ts';
import type { Stance } from '../../shared/post.ts';

export { DEFAULT_HYPOTHESES, type Hypotheses };

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
export function mapZeroShotAnswer(
  answer: ReadonlyArray<{ label: string; score: number }>,
  hyps: Hypotheses,
): StanceScores {
  const byLabel = new Map(answer.map((x) => [x.label, x.score] as const));
  const raw = {
    support: byLabel.get(hyps.support),
    criticism: byLabel.get(hyps.criticism),
    neutral: byLabel.get(hyps.neutral),
  };
  for (const [stance, v] of Object.entries(raw)) {
    if (v === undefined || !Number.isFinite(v) || v < 0)
      throw new ModelOutputError(`model answer has no usable score for the ${stance} hypothesis`);
  }
  const s = raw.support!,
    c = raw.criticism!,
    n = raw.neutral!;
  const total = s + c + n;
  if (total <= 0) throw new ModelOutputError('model answer scores sum to zero');
  const p = { support: s / total, criticism: c / total, neutral: n / total };
  // Ties go to neutral: a model that cannot decide has not found a side.
  const stance: Stance =
    p.support > p.criticism && p.support > p.neutral
      ? 'support'
      : p.criticism > p.support && p.criticism > p.neutral
        ? 'criticism'
        : 'neutral';
  return { stance, score: clamp(p.support - p.criticism, -1, 1), confidence: clamp(p[stance], 0, 1) };
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * A short version of how a model is asked (hypotheses, single or multi label): it travels with every score
 * and keys the score cache, so changing a hypothesis never reuses answers to the old question.
 */
export function setupVersion(hyps: Hypotheses, multiLabel: boolean): string {
  return createHash('sha256')
    .update(JSON.stringify([hyps.support, hyps.criticism, hyps.neutral, multiLabel]))
    .digest('hex')
    .slice(0, 8);
}

/**
 * A text-classification model (e.g. one fine-tuned on stance) answers with its own labels; the user's map
 * says which stance each label means. Labels compare case-insensitively; a label outside the map is an
 * error, never a guess. Probabilities of labels mapped to the same stance add up.
 */
export function mapClassifierAnswer(
  answer: ReadonlyArray<{ label: string; score: number }>,
  labelMap: ReadonlyMap<string, Stance>,
): StanceScores {
  const p: Record<Stance, number> = { support: 0, criticism: 0, neutral: 0 };
  for (const { label, score } of answer) {
    const stance = labelMap.get(label.toLowerCase());
    if (!stance)
      throw new ModelOutputError(
        `the classifier answered label "${label.slice(0, 40)}", which HF_LABEL_MAP does not map to a stance`,
      );
    p[stance] += score;
  }
  return mapZeroShotAnswer(
    [
      { label: 's', score: p.support },
      { label: 'c', score: p.criticism },
      { label: 'n', score: p.neutral },
    ],
    { support: 's', criticism: 'c', neutral: 'n' },
  );
}
