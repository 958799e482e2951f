import type { FeatureSpec } from './features.ts';
import type { Calibration, ConfidenceMap, Decision, ModelFile } from './model.ts';
import type { Fitted } from './train.ts';

/**
 * From fitted weights to the committed JSON file: pruned to the strongest buckets and rounded to a few
 * significant digits, so the file stays small (git, Docker image, start-up parse) and is byte-stable.
 * The shipped numbers are the model: the trainer evaluates the rounded file, not the unrounded fit.
 */
export interface PackOptions {
  id: string;
  spec: FeatureSpec;
  fitted: Fitted;
  calibration: Calibration;
  decision: Decision;
  confidence: ConfidenceMap;
  /** Most buckets kept, strongest first. */
  maxBuckets: number;
  /** Weights whose largest class magnitude is below this are dropped. */
  minWeight: number;
  digits: number;
  training: Record<string, unknown>;
}

export const round = (x: number, digits: number): number => (x === 0 ? 0 : Number(x.toPrecision(digits)));

export function packModel(o: PackOptions): ModelFile {
  const { buckets, weights, bias } = o.fitted;
  const strength = (i: number) =>
    Math.max(Math.abs(weights[3 * i]!), Math.abs(weights[3 * i + 1]!), Math.abs(weights[3 * i + 2]!));
  const order: number[] = [];
  for (let i = 0; i < buckets.length; i++) if (strength(i) >= o.minWeight) order.push(i);
  // Strongest first; equal strengths by bucket number, so the cut is deterministic.
  order.sort((a, b) => strength(b) - strength(a) || buckets[a]! - buckets[b]!);
  const kept = order.slice(0, o.maxBuckets).sort((a, b) => buckets[a]! - buckets[b]!);
  const deltas: number[] = [];
  const values: number[] = [];
  let prev = 0;
  for (const i of kept) {
    deltas.push(buckets[i]! - prev);
    prev = buckets[i]!;
    values.push(round(weights[3 * i]!, o.digits), round(weights[3 * i + 1]!, o.digits));
  }
  return {
    id: o.id,
    format: 2,
    classes: ['support', 'criticism', 'neutral'],
    features: o.spec,
    bias: [round(bias[0]! - bias[2]!, o.digits), round(bias[1]! - bias[2]!, o.digits)],
    calibration: {
      temperature: round(o.calibration.temperature, o.digits),
      bias: [round(o.calibration.bias[0], o.digits), round(o.calibration.bias[1], o.digits)],
    },
    confidence: {
      side: [round(o.confidence.side[0], o.digits), round(o.confidence.side[1], o.digits)],
      neutral: [round(o.confidence.neutral[0], o.digits), round(o.confidence.neutral[1], o.digits)],
    },
    decision: {
      neutralOffset: round(o.decision.neutralOffset, o.digits),
      minEvidence: round(o.decision.minEvidence, o.digits),
    },
    weights: { buckets: deltas, values },
    training: o.training,
  };
}

/** Readable header, one long line per weight array; always the same bytes for the same model. */
export function serialiseModel(file: ModelFile): string {
  const { weights, ...head } = file;
  const text = JSON.stringify({ ...head, weights: '__WEIGHTS__' }, null, 2);
  return `${text.replace('"__WEIGHTS__"', `{\n    "buckets": ${JSON.stringify(weights.buckets)},\n    "values": ${JSON.stringify(weights.values)}\n  }`)}\n`;
}
