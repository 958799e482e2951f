import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import poissonCdf from '@stdlib/stats-base-dists-poisson-cdf';

/** Tail probabilities and robust location/scale. Pure; the distributions come from stdlib (numerically tested). */

/** P(X ≥ k) for X ~ Poisson(λ). */
export function poissonUpperTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  return clamp01(1 - poissonCdf(k - 1, lambda));
}

/** P(X ≥ k) for X ~ Binomial(n, p). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  return clamp01(1 - binomialCdf(k - 1, n, p));
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Robust z-score of x against a series: (x − median) / (1.4826 · MAD). The MAD is floored at the Poisson
 * noise of the median (√median), because counts that happen to be all equal would otherwise give an infinite z.
 */
export function robustZ(x: number, series: readonly number[]): number {
  const m = median(series);
  const mad = median(series.map((v) => Math.abs(v - m)));
  const scale = Math.max(1.4826 * mad, Math.sqrt(Math.max(m, 1)));
  return (x - m) / scale;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
