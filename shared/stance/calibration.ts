import { NEUTRAL, logitOf, type Calibration } from './model.ts';

/**
 * Calibration of the linear model on held-out posts: temperature scaling (Guo et al., 2017) plus a bias
 * for support and for criticism. The temperature alone corrects over-confidence; the biases correct the
 * class balance, which differs between the training data (synthetic posts included) and real feeds.
 * Calibrated logits are z / T + b, so the negative log-likelihood is convex in (1/T, b): Newton's method
 * finds the single optimum in a few steps, deterministically.
 */
export function nll(logits: Float64Array, y: Uint8Array, cal: Calibration): number {
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const u0 = logits[3 * i]! / cal.temperature + cal.bias[0];
    const u1 = logits[3 * i + 1]! / cal.temperature + cal.bias[1];
    const u2 = logits[3 * i + 2]! / cal.temperature;
    const m = Math.max(u0, u1, u2);
    const lse = m + Math.log(Math.exp(u0 - m) + Math.exp(u1 - m) + Math.exp(u2 - m));
    total += lse - (y[i] === NEUTRAL ? u2 : y[i] === 0 ? u0 : u1);
  }
  return total / Math.max(1, y.length);
}

/** Temperatures are kept in [1/20, 20]: beyond that the dev set is too small to say anything. */
const A_MIN = 1 / 20;
const A_MAX = 20;

/**
 * `tied`: one bias shared by support and criticism (neutral against the sides only). Then the calibration
 * never changes which side is ahead, so a reported side and the sign of the score always agree.
 */
export function fitCalibration(logits: Float64Array, y: Uint8Array, opts: { tied: boolean }): Calibration {
  if (y.length === 0) return { temperature: 1, bias: [0, 0] };
  // θ = (a = 1/T, biases…); u_k = a·z_k + bias_k, neutral's bias 0.
  const P = opts.tied ? 2 : 3;
  const at = (t: number[]): Calibration => ({ temperature: 1 / t[0]!, bias: [t[1]!, opts.tied ? t[1]! : t[2]!] });
  // J[k][p] = ∂u_k/∂θ_p.
  const jacobian = (z: number[]): number[][] =>
    opts.tied
      ? [
          [z[0]!, 1],
          [z[1]!, 1],
          [z[2]!, 0],
        ]
      : [
          [z[0]!, 1, 0],
          [z[1]!, 0, 1],
          [z[2]!, 0, 0],
        ];
  let theta = opts.tied ? [1, 0] : [1, 0, 0];
  let f = nll(logits, y, at(theta));
  for (let iter = 0; iter < 100; iter++) {
    const cal = at(theta);
    const g = new Array<number>(P).fill(0);
    const h = Array.from({ length: P }, () => new Array<number>(P).fill(0));
    for (let i = 0; i < y.length; i++) {
      const z = [logits[3 * i]!, logits[3 * i + 1]!, logits[3 * i + 2]!];
      const u = [z[0]! / cal.temperature + cal.bias[0], z[1]! / cal.temperature + cal.bias[1], z[2]! / cal.temperature];
      const m = Math.max(u[0]!, u[1]!, u[2]!);
      const e = u.map((x) => Math.exp(x - m));
      const s = e[0]! + e[1]! + e[2]!;
      const q = e.map((x) => x / s);
      const J = jacobian(z);
      for (let k = 0; k < 3; k++) {
        const r = q[k]! - (y[i] === k ? 1 : 0);
        for (let p = 0; p < P; p++) g[p]! += (r * J[k]![p]!) / y.length;
      }
      // Hessian of the log-sum-exp: Jᵀ (diag q − q qᵀ) J.
      for (let p = 0; p < P; p++) {
        for (let r = 0; r < P; r++) {
          let v = 0;
          for (let k = 0; k < 3; k++) {
            for (let l = 0; l < 3; l++) v += J[k]![p]! * ((k === l ? q[k]! : 0) - q[k]! * q[l]!) * J[l]![r]!;
          }
          h[p]![r]! += v / y.length;
        }
      }
    }
    for (let p = 0; p < P; p++) h[p]![p]! += 1e-9;
    const step = solve(
      h,
      g.map((x) => -x),
    );
    let t = 1;
    let next = theta;
    let fNext = f;
    for (let tries = 0; tries < 40; tries++) {
      const cand = theta.map((x, p) => x + t * step[p]!);
      cand[0] = Math.min(A_MAX, Math.max(A_MIN, cand[0]!));
      const fc = nll(logits, y, at(cand));
      if (fc < f) {
        next = cand;
        fNext = fc;
        break;
      }
      t /= 2;
    }
    const done = next === theta || f - fNext < 1e-12;
    theta = next;
    f = fNext;
    if (done) break;
  }
  return at(theta);
}

/** Gaussian elimination with partial pivoting, for the small Newton system. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const k = m[r]![c]! / m[c]![c]!;
      for (let j = c; j <= n; j++) m[r]![j]! -= k * m[c]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let v = m[r]![n]!;
    for (let j = r + 1; j < n; j++) v -= m[r]![j]! * x[j]!;
    x[r] = v / m[r]![r]!;
  }
  return x;
}

/**
 * Platt scaling of a reported label: the [slope, intercept] that maximise the likelihood of `right`
 * (1 when the report was right) under σ(slope · logit(p) + intercept). Two parameters, a convex problem:
 * Newton's method with a halving line search, deterministic. A tiny ridge keeps it finite when every
 * report is right (or wrong), which would otherwise push the intercept to infinity.
 */
export function fitConfidence(p: ArrayLike<number>, right: ArrayLike<number>): [number, number] {
  const n = p.length;
  if (n === 0) return [1, 0];
  const x = Float64Array.from({ length: n }, (_, i) => logitOf(p[i]!));
  const RIDGE = 1e-4;
  const loss = (a: number, b: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const z = a * x[i]! + b;
      // log(1 + e^z) − y·z, written so that it never overflows.
      s += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - right[i]! * z;
    }
    // The ridge pulls towards the identity map (1, 0), not towards a flat 0.5.
    return s / n + 0.5 * RIDGE * ((a - 1) ** 2 + b * b);
  };
  let a = 1;
  let b = 0;
  let f = loss(a, b);
  for (let iter = 0; iter < 100; iter++) {
    let ga = RIDGE * (a - 1);
    let gb = RIDGE * b;
    let haa = RIDGE;
    let hab = 0;
    let hbb = RIDGE;
    for (let i = 0; i < n; i++) {
      const q = 1 / (1 + Math.exp(-(a * x[i]! + b)));
      const r = (q - right[i]!) / n;
      const w = (q * (1 - q)) / n;
      ga += r * x[i]!;
      gb += r;
      haa += w * x[i]! * x[i]!;
      hab += w * x[i]!;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    const da = -(hbb * ga - hab * gb) / det;
    const db = -(haa * gb - hab * ga) / det;
    let t = 1;
    let moved = false;
    for (let tries = 0; tries < 40; tries++) {
      const fc = loss(a + t * da, b + t * db);
      if (fc < f) {
        const gain = f - fc;
        a += t * da;
        b += t * db;
        f = fc;
        moved = gain >= 1e-13;
        break;
      }
      t /= 2;
    }
    if (!moved) break;
  }
  return [a, b];
}
