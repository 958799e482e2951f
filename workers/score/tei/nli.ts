import type { StanceResult } from '../../../shared/post.ts';
import { mapZeroShotAnswer, ModelOutputError, type Hypotheses, type StanceScores } from '../stance-map.ts';

/**
 * Zero-shot post-processing for servers that only run the NLI model (TEI): the model gives, for each
 * (post, hypothesis) pair, logits for entailment / neutral / contradiction.
 * - single label: softmax of the entailment logits across the hypotheses (the stances compete);
 * - multi label: per hypothesis, softmax over [contradiction, entailment] (each judged on its own).
 * This is what the Hugging Face zero-shot pipeline does server-side. Pure.
 */
export type PairLogits = ReadonlyArray<{ label: string; score: number }>;

function logit(pair: PairLogits, re: RegExp): number {
  const hit = pair.find((x) => re.test(x.label));
  if (!hit || !Number.isFinite(hit.score)) throw new ModelOutputError(`NLI answer has no ${re.source} score`);
  return hit.score;
}

export function zeroShotFromNli(
  pairs: [PairLogits, PairLogits, PairLogits],
  hyps: Hypotheses,
  multiLabel: boolean,
): StanceScores {
  const entail = pairs.map((p) => logit(p, /^entail/i));
  let probs: number[];
  if (multiLabel) {
    probs = pairs.map((p, i) => {
      const contra = logit(p, /^contradict|^not_entail/i);
      return 1 / (1 + Math.exp(contra - entail[i]!));
    });
  } else {
    const max = Math.max(...entail);
    const exp = entail.map((e) => Math.exp(e - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    probs = exp.map((e) => e / sum);
  }
  return mapZeroShotAnswer(
    [
      { label: hyps.support, score: probs[0]! },
      { label: hyps.criticism, score: probs[1]! },
      { label: hyps.neutral, score: probs[2]! },
    ],
    hyps,
  );
}

export type { StanceResult };
