/**
 * Fitting the linear stance model: L2-regularised multinomial logistic regression by full-batch L-BFGS.
 * Deterministic bit for bit: no randomness, no parallelism, and every sum runs in a fixed order, so the
 * same data and options give the same weights on every run.
 */
export interface SparseDoc {
  idx: Int32Array;
  val: Float64Array;
}

export interface FitOptions {
  /** Strength of the L2 penalty on the weights (not the biases), relative to the mean weighted loss. */
  l2: number;
  /** Buckets seen in fewer training posts than this are left out: one-off n-grams mostly memorise. */
  minDf: number;
  maxIter: number;
  /** Stop when the objective improves by less than this, relatively. */
  tol: number;
}

export interface Fitted {
  /** Bucket numbers with a weight, increasing. */
  buckets: Int32Array;
  /** Three weights per bucket (support, criticism, neutral), centred so that each triple sums to 0. */
  weights: Float64Array;
  /** Centred biases. */
  bias: Float64Array;
  iterations: number;
  objective: number;
}

const MEMORY = 8;
const ARMIJO = 1e-4;

/** y[i] in 0..2 (support, criticism, neutral); w[i] the weight of post i in the loss. */
export function fitSoftmax(docs: readonly SparseDoc[], y: Uint8Array, w: Float64Array, opts: FitOptions): Fitted {
  // Compact the hashed space to the buckets the training posts use often enough, in increasing order.
  let maxBucket = 0;
  for (const d of docs) for (let i = 0; i < d.idx.length; i++) maxBucket = Math.max(maxBucket, d.idx[i]!);
  const df = new Int32Array(maxBucket + 1);
  const lastDoc = new Int32Array(maxBucket + 1).fill(-1);
  docs.forEach((d, n) => {
    for (let i = 0; i < d.idx.length; i++) {
      const b = d.idx[i]!;
      if (lastDoc[b] !== n) {
        lastDoc[b] = n;
        df[b]!++;
      }
    }
  });
  const kept: number[] = [];
  for (let b = 0; b <= maxBucket; b++) if (df[b]! >= opts.minDf && df[b]! > 0) kept.push(b);
  const buckets = Int32Array.from(kept);
  const col = new Int32Array(maxBucket + 1).fill(-1);
  buckets.forEach((b, i) => {
    col[b] = i;
  });
  const cols: Int32Array[] = [];
  const vals: Float64Array[] = [];
  for (const d of docs) {
    let n = 0;
    for (let i = 0; i < d.idx.length; i++) if (col[d.idx[i]!]! >= 0) n++;
    const c = new Int32Array(n);
    const v = new Float64Array(n);
    for (let i = 0, k = 0; i < d.idx.length; i++) {
      const j = col[d.idx[i]!]!;
      if (j < 0) continue;
      c[k] = j;
      v[k++] = d.val[i]!;
    }
    cols.push(c);
    vals.push(v);
  }
  const nw = buckets.length * 3;
  const dim = nw + 3;
  let wsum = 0;
  for (let i = 0; i < w.length; i++) wsum += w[i]!;

  const z = new Float64Array(3);
  /** Objective and gradient at x; g is overwritten. */
  const fg = (x: Float64Array, g: Float64Array): number => {
    g.fill(0);
    let loss = 0;
    for (let i = 0; i < docs.length; i++) {
      const c = cols[i]!;
      const v = vals[i]!;
      z[0] = x[nw]!;
      z[1] = x[nw + 1]!;
      z[2] = x[nw + 2]!;
      for (let k = 0; k < c.length; k++) {
        const j = c[k]! * 3;
        const vk = v[k]!;
        z[0] += x[j]! * vk;
        z[1] += x[j + 1]! * vk;
        z[2] += x[j + 2]! * vk;
      }
      const m = Math.max(z[0]!, z[1]!, z[2]!);
      const e0 = Math.exp(z[0]! - m),
        e1 = Math.exp(z[1]! - m),
        e2 = Math.exp(z[2]! - m);
      const s = e0 + e1 + e2;
      const wi = w[i]! / wsum;
      const yi = y[i]!;
      loss += wi * (Math.log(s) + m - z[yi]!);
      const g0 = wi * (e0 / s - (yi === 0 ? 1 : 0));
      const g1 = wi * (e1 / s - (yi === 1 ? 1 : 0));
      const g2 = wi * (e2 / s - (yi === 2 ? 1 : 0));
      g[nw] = g[nw]! + g0;
      g[nw + 1] = g[nw + 1]! + g1;
      g[nw + 2] = g[nw + 2]! + g2;
      for (let k = 0; k < c.length; k++) {
        const j = c[k]! * 3;
        const vk = v[k]!;
        g[j] = g[j]! + g0 * vk;
        g[j + 1] = g[j + 1]! + g1 * vk;
        g[j + 2] = g[j + 2]! + g2 * vk;
      }
    }
    let reg = 0;
    for (let j = 0; j < nw; j++) {
      reg += x[j]! * x[j]!;
      g[j] = g[j]! + opts.l2 * x[j]!;
    }
    return loss + 0.5 * opts.l2 * reg;
  };

  let x = new Float64Array(dim);
  let g = new Float64Array(dim);
  let f = fg(x, g);
  // The L-BFGS memory: a ring of MEMORY (s, y) pairs, allocated once.
  const S = Array.from({ length: MEMORY }, () => new Float64Array(dim));
  const Y = Array.from({ length: MEMORY }, () => new Float64Array(dim));
  const rho = new Float64Array(MEMORY);
  let stored = 0;
  let newest = -1;
  const slot = (k: number) => (newest - stored + 1 + k + MEMORY) % MEMORY; // k-th oldest
  const alpha = new Float64Array(MEMORY);
  const d = new Float64Array(dim);
  let xNew = new Float64Array(dim);
  let gNew = new Float64Array(dim);
  let iter = 0;
  for (; iter < opts.maxIter; iter++) {
    // Two-loop recursion: d = −H·g.
    for (let j = 0; j < dim; j++) d[j] = -g[j]!;
    for (let k = stored - 1; k >= 0; k--) {
      const m = slot(k);
      alpha[k] = rho[m]! * dot(S[m]!, d);
      axpy(-alpha[k]!, Y[m]!, d);
    }
    if (stored > 0) {
      const gamma = dot(S[newest]!, Y[newest]!) / dot(Y[newest]!, Y[newest]!);
      for (let j = 0; j < dim; j++) d[j]! *= gamma;
    } else {
      const gn = Math.sqrt(dot(g, g));
      if (gn === 0) break;
      for (let j = 0; j < dim; j++) d[j]! /= gn;
    }
    for (let k = 0; k < stored; k++) {
      const m = slot(k);
      const beta = rho[m]! * dot(Y[m]!, d);
      axpy(alpha[k]! - beta, S[m]!, d);
    }
    let gtd = dot(g, d);
    if (!(gtd < 0)) {
      // Not a descent direction (curvature went wrong): start the memory over from steepest descent.
      stored = 0;
      const gn = Math.sqrt(dot(g, g));
      for (let j = 0; j < dim; j++) d[j] = -g[j]! / gn;
      gtd = dot(g, d);
    }
    let step = 1;
    let fNew = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let j = 0; j < dim; j++) xNew[j] = x[j]! + step * d[j]!;
      fNew = fg(xNew, gNew);
      if (fNew <= f + ARMIJO * step * gtd) break;
      step *= 0.5;
    }
    if (!(fNew < f)) break;
    let sy = 0;
    for (let j = 0; j < dim; j++) sy += (xNew[j]! - x[j]!) * (gNew[j]! - g[j]!);
    // A pair without positive curvature would break the inverse-Hessian estimate: it is not kept.
    if (sy > 1e-12) {
      newest = (newest + 1) % MEMORY;
      const s = S[newest]!;
      const yv = Y[newest]!;
      for (let j = 0; j < dim; j++) {
        s[j] = xNew[j]! - x[j]!;
        yv[j] = gNew[j]! - g[j]!;
      }
      rho[newest] = 1 / sy;
      stored = Math.min(MEMORY, stored + 1);
    }
    const improved = f - fNew;
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    f = fNew;
    if (improved <= opts.tol * Math.max(1, Math.abs(f))) {
      iter++;
      break;
    }
  }

  // Softmax ignores a constant added to all three classes; centring makes the stored triples sum to 0.
  const weights = new Float64Array(nw);
  for (let j = 0; j < nw; j += 3) {
    const mean = (x[j]! + x[j + 1]! + x[j + 2]!) / 3;
    weights[j] = x[j]! - mean;
    weights[j + 1] = x[j + 1]! - mean;
    weights[j + 2] = x[j + 2]! - mean;
  }
  const bm = (x[nw]! + x[nw + 1]! + x[nw + 2]!) / 3;
  const bias = Float64Array.of(x[nw]! - bm, x[nw + 1]! - bm, x[nw + 2]! - bm);
  return { buckets, weights, bias, iterations: iter, objective: f };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function axpy(k: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i]! += k * x[i]!;
}
