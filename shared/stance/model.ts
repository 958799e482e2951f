import { z } from 'zod';
import type { CueLists } from './cues.ts';
import { Featurizer, type FeatureSpec, type Features } from './features.ts';

/**
 * The linear stance model: multinomial logistic regression over hashed features, a calibration (temperature
 * and class biases), a neutral offset (how much evidence a side needs before it is reported) and a map from
 * the reported stance's probability to the probability that the report is right. Pure: the file is parsed by
 * the caller, so this runs the same under the scorer, the trainer and the tests.
 */
export const CLASSES = ['support', 'criticism', 'neutral'] as const;
export type StanceClass = (typeof CLASSES)[number];
export const SUPPORT = 0;
export const CRITICISM = 1;
export const NEUTRAL = 2;

const featureSpecSchema = z.object({
  version: z.literal(1),
  bucketsLog2: z.number().int().min(8).max(24),
  charMin: z.number().int().min(1).max(8),
  charMax: z.number().int().min(1).max(8),
  scale: z.object({ word: z.number().min(0), char: z.number().min(0), cue: z.number().min(0) }),
  lexiconSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const modelFileSchema = z.object({
  id: z.string().min(1),
  /** 2 added `confidence`; a format-1 file must be retrained (npm run train). */
  format: z.literal(2),
  classes: z.tuple([z.literal('support'), z.literal('criticism'), z.literal('neutral')]),
  features: featureSpecSchema,
  /** Biases of support and criticism relative to neutral's (softmax only sees differences). */
  bias: z.tuple([z.number(), z.number()]),
  /**
   * Fitted on dev by likelihood, after the weights: calibrated logits are logits / temperature + bias (support,
   * criticism; neutral 0), and their softmax is the probability of each stance.
   */
  calibration: z.object({ temperature: z.number().positive(), bias: z.tuple([z.number(), z.number()]) }),
  /**
   * The reported stance's probability is not yet the probability that the report is right. The temperature
   * and biases fit all three probabilities at once, for every post; the decision then picks one of them, and
   * with the neutral offset often not the largest. Held-out sides reported that way were right more often
   * than their probability said. So, per kind of report (a side, or neutral), confidence =
   * σ(slope · logit(p) + intercept), fitted by likelihood on held-out posts once the decision is fixed
   * (Platt scaling of the reported label).
   */
  confidence: z.object({
    side: z.tuple([z.number(), z.number()]),
    neutral: z.tuple([z.number(), z.number()]),
  }),
  /** How a stance is reported; tuned on held-out posts for F_avg, and never part of the probabilities. */
  decision: z.object({
    /** Added to the calibrated neutral logit: negative reports a side before it is the most probable class. */
    neutralOffset: z.number(),
    /**
     * A side also needs the model to know at least this share of the post's word and character n-grams: a
     * post in a language or script it never saw stays neutral instead of getting a side from a few stray
     * n-grams. Counted, not weighted, so that one hash collision in a short post cannot pass for evidence.
     */
    minEvidence: z.number().min(0).max(1),
  }),
  weights: z.object({
    /** Bucket numbers, delta-encoded in increasing order (small numbers keep the file small). */
    buckets: z.array(z.number().int().min(0)),
    /** [support, criticism] per bucket; neutral is minus their sum. */
    values: z.array(z.number()),
  }),
  /** Provenance for people and for the reproducibility test; the runtime ignores it. */
  training: z.record(z.string(), z.unknown()),
});
export type ModelFile = z.infer<typeof modelFileSchema>;

export interface Calibration {
  temperature: number;
  bias: readonly [number, number];
}
export const UNCALIBRATED: Calibration = { temperature: 1, bias: [0, 0] };

/** [slope, intercept] on the logit of the reported stance's probability, for a reported side and for neutral. */
export interface ConfidenceMap {
  side: readonly [number, number];
  neutral: readonly [number, number];
}
/** Confidence is the reported stance's probability. */
export const RAW_CONFIDENCE: ConfidenceMap = { side: [1, 0], neutral: [1, 0] };

/**
 * Probabilities this close to 0 or 1 are clamped before the logit: the model never has that much evidence,
 * and a clamp keeps the map finite.
 */
const P_EPS = 1e-6;
export const logitOf = (p: number): number => {
  const q = Math.min(1 - P_EPS, Math.max(P_EPS, p));
  return Math.log(q / (1 - q));
};

/** The probability that a report is right, from its stance's probability and the kind of report. */
export function confidenceOf(p: number, side: boolean, map: ConfidenceMap): number {
  const [slope, intercept] = side ? map.side : map.neutral;
  if (slope === 1 && intercept === 0) return p;
  return 1 / (1 + Math.exp(-(slope * logitOf(p) + intercept)));
}

export interface Decision {
  neutralOffset: number;
  minEvidence: number;
}
export const ARGMAX: Decision = { neutralOffset: 0, minEvidence: 0 };

export interface Prediction {
  stance: StanceClass;
  /** p(support) − p(criticism), in [-1, 1]. */
  score: number;
  /** Probability that the reported stance is right (see ConfidenceMap). */
  confidence: number;
  /** Calibrated probability of each stance (support, criticism, neutral). */
  probs: [number, number, number];
}

/**
 * From raw logits (and the evidence, when given as a fourth number) to a stance. The probabilities are the
 * calibrated softmax. The stance is the largest calibrated logit once the neutral offset is added to
 * neutral's, and neutral when the evidence is below the minimum. Its confidence is its own probability
 * passed through the confidence map (without one, the probability itself). Ties go to neutral, because the
 * labelling rules say to choose neutral when in doubt.
 */
export function decide(
  rawLogits: ArrayLike<number>,
  decision: Decision,
  cal: Calibration,
  map: ConfidenceMap = RAW_CONFIDENCE,
): Prediction {
  const u0 = rawLogits[SUPPORT]! / cal.temperature + cal.bias[0];
  const u1 = rawLogits[CRITICISM]! / cal.temperature + cal.bias[1];
  const u2 = rawLogits[NEUTRAL]! / cal.temperature;
  const m = Math.max(u0, u1, u2);
  const e0 = Math.exp(u0 - m);
  const e1 = Math.exp(u1 - m);
  const e2 = Math.exp(u2 - m);
  const s = e0 + e1 + e2;
  const probs: [number, number, number] = [e0 / s, e1 / s, e2 / s];
  const score = probs[SUPPORT] - probs[CRITICISM];
  const n = u2 + decision.neutralOffset;
  const evidence = rawLogits.length > 3 ? rawLogits[3]! : 1;
  const k = (n >= u0 && n >= u1) || evidence < decision.minEvidence ? NEUTRAL : u0 >= u1 ? SUPPORT : CRITICISM;
  return { stance: CLASSES[k]!, score, confidence: confidenceOf(probs[k]!, k !== NEUTRAL, map), probs };
}

export class LinearModel {
  readonly featurizer: Featurizer;
  /**
   * Bucket-major weights, three per bucket: a post's features read adjacent numbers. Single precision halves
   * the table (3 MB) for the cache; the file holds 4 significant digits anyway, and the trainer evaluates
   * through this same class, so its figures are the scorer's.
   */
  private readonly w: Float32Array;
  private readonly b: Float64Array;
  /** Three logits, then the evidence: the share of the post's text features the model has weights for. */
  private readonly raw = new Float64Array(4);

  constructor(
    readonly file: ModelFile,
    lists: CueLists,
  ) {
    this.featurizer = new Featurizer(file.features as FeatureSpec, lists);
    const n = 1 << file.features.bucketsLog2;
    this.w = new Float32Array(n * 3);
    const { buckets, values } = file.weights;
    if (values.length !== buckets.length * 2)
      throw new Error('model file: weights.values must hold two numbers per bucket');
    let bucket = 0;
    for (let i = 0; i < buckets.length; i++) {
      bucket += buckets[i]!;
      if (bucket >= n) throw new Error('model file: a bucket is out of range');
      const s = values[2 * i]!;
      const c = values[2 * i + 1]!;
      this.w[bucket * 3] = s;
      this.w[bucket * 3 + 1] = c;
      this.w[bucket * 3 + 2] = -(s + c);
    }
    this.b = Float64Array.of(file.bias[0], file.bias[1], 0);
  }

  /** Logits before calibration and decision. Reuses one buffer: copy it to keep it. */
  rawLogits(f: Features): Float64Array {
    let z0 = this.b[0]!,
      z1 = this.b[1]!,
      z2 = this.b[2]!;
    let known = 0,
      all = 0;
    const w = this.w;
    for (let i = 0; i < f.n; i++) {
      const j = f.idx[i]! * 3;
      const v = f.val[i]!;
      z0 += w[j]! * v;
      z1 += w[j + 1]! * v;
      z2 += w[j + 2]! * v;
      if (i < f.text) {
        all++;
        if (w[j] !== 0 || w[j + 1] !== 0) known++;
      }
    }
    this.raw[0] = z0;
    this.raw[1] = z1;
    this.raw[2] = z2;
    this.raw[3] = all > 0 ? known / all : 0;
    return this.raw;
  }

  predict(text: string): Prediction {
    const { decision, calibration, confidence } = this.file;
    return decide(this.rawLogits(this.featurizer.features(text)), decision, calibration, confidence);
  }
}
