/**
 * Is a scorer's confidence a probability? Ten equal-width bins of confidence, each with its count, mean
 * confidence and accuracy, and the expected calibration error: the count-weighted mean gap between a
 * bin's accuracy and its mean confidence (0 is perfect). Pure.
 */
export interface ReliabilityBin {
  /** Lower and upper edge; the last bin includes 1. */
  from: number;
  to: number;
  count: number;
  /** null for an empty bin. */
  mean_confidence: number | null;
  accuracy: number | null;
}

export function reliability(
  items: ReadonlyArray<{ confidence: number; correct: boolean }>,
  bins = 10,
): { bins: ReliabilityBin[]; ece: number } {
  const count = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const right = new Array<number>(bins).fill(0);
  for (const { confidence, correct } of items) {
    const k = Math.min(bins - 1, Math.max(0, Math.floor(confidence * bins)));
    count[k]!++;
    conf[k]! += confidence;
    if (correct) right[k]!++;
  }
  let ece = 0;
  const out: ReliabilityBin[] = [];
  for (let k = 0; k < bins; k++) {
    const n = count[k]!;
    if (n > 0) ece += (n / items.length) * Math.abs(right[k]! / n - conf[k]! / n);
    out.push({
      from: r4(k / bins),
      to: r4((k + 1) / bins),
      count: n,
      mean_confidence: n ? r4(conf[k]! / n) : null,
      accuracy: n ? r4(right[k]! / n) : null,
    });
  }
  return { bins: out, ece: r4(ece) };
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
