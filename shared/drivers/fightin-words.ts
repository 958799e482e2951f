import type { TokenKind } from '../lists.ts';
import { tokenKind, tokenLabel } from './tokens.ts';

/**
 * "Fightin' Words" (Monroe, Colaresi & Quinn 2008, "Fightin' Words: Lexical Feature Selection and Evaluation
 * for Identifying the Content of Political Conflict", §3.5): the weighted log-odds ratio of each token between
 * a target and a baseline, with an informative Dirichlet prior, divided by its standard deviation (a z-score).
 * Pure.
 *
 * The prior is the pooled counts of both sides, scaled by `priorScale` (α_w = priorScale · (y_w^t + y_w^b)):
 * a token's odds are shrunk towards how common it is overall, so a word seen twice in a quiet window cannot
 * outrank one seen forty times, and z reads as evidence, not just as a ratio.
 *
 *   δ_w = log((y_w^t + α_w) / (n^t + α_0 − y_w^t − α_w)) − log((y_w^b + α_w) / (n^b + α_0 − y_w^b − α_w))
 *   σ²(δ_w) ≈ 1 / (y_w^t + α_w) + 1 / (y_w^b + α_w)
 *   z_w = δ_w / σ(δ_w)
 */
export interface Driver {
  token: string;
  kind: TokenKind;
  label: string;
  /** Weighted log-odds ratio, target against baseline. */
  delta: number;
  z: number;
  /** Occurrences (posts) in the target and in the baseline. */
  count: number;
  baselineCount: number;
}

export interface FightinWordsOptions {
  priorScale?: number;
  /** Tokens seen fewer times than this in the target are not reported (one post is an anecdote, not a driver). */
  minCount?: number;
  /** How many drivers to return, best first. */
  top?: number;
}

export function fightinWords(
  target: ReadonlyMap<string, number>,
  baseline: ReadonlyMap<string, number>,
  opts: FightinWordsOptions = {},
): Driver[] {
  const priorScale = opts.priorScale ?? 1;
  const minCount = opts.minCount ?? 2;
  const sum = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const nT = sum(target);
  const nB = sum(baseline);
  const a0 = priorScale * (nT + nB);
  const out: Driver[] = [];
  for (const [token, yT] of target) {
    if (yT < minCount) continue;
    const yB = baseline.get(token) ?? 0;
    const a = priorScale * (yT + yB);
    const delta = Math.log((yT + a) / (nT + a0 - yT - a)) - Math.log((yB + a) / (nB + a0 - yB - a));
    const z = delta / Math.sqrt(1 / (yT + a) + 1 / (yB + a));
    if (!(z > 0) || !Number.isFinite(z)) continue; // only what the target has more of than usual drives it
    out.push({
      token,
      kind: tokenKind(token),
      label: tokenLabel(token),
      delta: round(delta),
      z: round(z),
      count: yT,
      baselineCount: yB,
    });
  }
  out.sort((x, y) => y.z - x.z || y.count - x.count || x.token.localeCompare(y.token));
  return out.slice(0, opts.top ?? 20);
}

const round = (x: number) => Math.round(x * 1e3) / 1e3;
