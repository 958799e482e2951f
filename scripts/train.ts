import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { reliability } from '../shared/eval/calibration.ts';
import { evaluate } from '../shared/eval/metrics.ts';
import { fitCalibration, fitConfidence, nll } from '../shared/stance/calibration.ts';
import {
  DataError,
  formatDataRef,
  inSplits,
  parseDataRef,
  readLabelled,
  type DataRef,
  type LabelledRow,
} from '../shared/stance/data.ts';
import { Featurizer, type FeatureSpec } from '../shared/stance/features.ts';
import { packModel, serialiseModel } from '../shared/stance/model-file.ts';
import {
  ARGMAX,
  CLASSES,
  LinearModel,
  RAW_CONFIDENCE,
  UNCALIBRATED,
  decide,
  type Calibration,
  type ConfidenceMap,
  type Decision,
} from '../shared/stance/model.ts';
import { fitSoftmax, type Fitted, type SparseDoc } from '../shared/stance/train.ts';
import { LEXICON_CUES, LINEAR_MODEL_ID } from '../workers/score/builtin/linear.ts';

/**
 * `npm run train -- [--train file:split[+split]]… [--out model.json]`
 * `npm run train -- --reproduce data/model/builtin-linear-v1.json --out /tmp/again.json [--chosen-only]`
 *
 * Trains the built-in linear stance model and writes it with its provenance (data files and their sha256,
 * the search, the held-out figures). The defaults train on the real set's train and dev splits and the
 * synthetic set's dev split; both test splits stay unseen.
 *
 * Everything tuned (L2 strength, class weighting, the neutral offset), the calibration (temperature and a
 * bias of the sides against neutral) and the confidence map are judged on held-out predictions only: every
 * real post, scored by a model trained without its source page (5-fold cross-fitting by page). The final
 * model is then trained on all of them. Why dev is trained on rather than held out: in the same
 * cross-fitting, fold models that also learnt from the dev posts scored 0.45 F_avg against 0.43 without them
 * (three fold assignments), and calibration maps fitted on dev alone (219 posts) missed the cross-fitted
 * train posts' calibration by 0.09 ECE, those fitted on the train posts missed dev's by as much: one pool of
 * 871 held-out posts is steadier than either. Posts without a source (the synthetic set) are in every fold's
 * training.
 *
 * Deterministic: the same data gives the same file, byte for byte. `--reproduce` re-runs the training a
 * model file records; with `--chosen-only` it re-fits only the hyper-parameters the search chose (for the
 * test suite) and keeps the recorded search results.
 */
const DEFAULT_TRAIN = ['data/eval/real.jsonl:train+dev', 'data/eval/labelled.jsonl:dev'];
/**
 * One bias for both sides, not one each: the calibration then never changes which side is ahead, so the
 * reported side and the sign of the score always agree. Cross-fitted, it was as well calibrated as separate
 * biases (ECE 0.02–0.03) at the same F_avg.
 */
const CALIBRATION = { tied: true };

/** The search space and fixed settings; recorded in the model file so --reproduce can replay them. */
interface Recipe {
  train: string[];
  spec: Omit<FeatureSpec, 'lexiconSha256'>;
  l2: number[];
  classWeights: Array<'none' | 'balanced'>;
  folds: number;
  minDf: number;
  maxIter: number;
  tol: number;
  neutralOffsets: { from: number; to: number; step: number };
  /**
   * Minimum evidence for a side (see Decision), tried in turn. A guard more than a tuned value: on the first
   * real dev split no post in a trained language had less than 0.52, and posts in unseen scripts have 0.1–0.2.
   */
  minEvidence: number[];
  maxBuckets: number;
  minWeight: number;
  digits: number;
}

const DEFAULT_RECIPE: Omit<Recipe, 'train'> = {
  spec: { version: 1, bucketsLog2: 18, charMin: 3, charMax: 5, scale: { word: 1, char: 1, cue: 1 } },
  l2: [1e-3, 3e-4, 1e-4],
  classWeights: ['none', 'balanced'],
  folds: 5,
  minDf: 2,
  maxIter: 300,
  tol: 1e-7,
  neutralOffsets: { from: -3, to: 1.5, step: 0.05 },
  minEvidence: [0.4],
  maxBuckets: 60_000,
  minWeight: 1e-4,
  digits: 4,
};

const { values } = parseArgs({
  options: {
    train: { type: 'string', multiple: true },
    out: { type: 'string', default: 'data/model/builtin-linear-v1.json' },
    reproduce: { type: 'string' },
    'chosen-only': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});
const fail = (m: string): never => {
  process.stderr.write(`train: ${m}\n`);
  process.exit(2);
};
const say = (m: string) => {
  if (!values.quiet) process.stderr.write(`${m}\n`);
};

type ClassWeights = 'none' | 'balanced';
interface Recorded {
  recipe: Recipe;
  chosen: { l2: number; classWeights: ClassWeights };
  candidates: unknown[];
}
let recipe: Recipe;
let recorded: Recorded | undefined;
if (values.reproduce) {
  try {
    recorded = (JSON.parse(readFileSync(values.reproduce, 'utf8')) as { training?: Recorded }).training;
  } catch (err) {
    fail(`cannot read ${values.reproduce}: ${(err as Error).message}`);
  }
  if (!recorded?.recipe || !recorded.chosen) fail(`${values.reproduce} records no training recipe`);
  recipe = recorded!.recipe;
} else {
  if (values['chosen-only']) fail('--chosen-only needs --reproduce');
  recipe = { ...DEFAULT_RECIPE, train: values.train ?? DEFAULT_TRAIN };
}

const t0 = performance.now();
const spec: FeatureSpec = { ...recipe.spec, lexiconSha256: Featurizer.lexiconSha256(LEXICON_CUES) };
const featurizer = new Featurizer(spec, LEXICON_CUES);

type Doc = SparseDoc & { text: number };
interface Data {
  rows: LabelledRow[];
  docs: Doc[];
  y: Uint8Array;
  files: Array<{ data: string; sha256: string; rows: number }>;
}

function load(refs: DataRef[]): Data {
  const rows: LabelledRow[] = [];
  const files: Data['files'] = [];
  for (const ref of refs) {
    const { rows: all, sha256 } = readLabelled(ref.path);
    const chosen = all.filter((r) => inSplits(r, ref.splits));
    if (chosen.length === 0) throw new DataError(`${formatDataRef(ref)} holds no rows`);
    rows.push(...chosen);
    files.push({ data: formatDataRef(ref), sha256, rows: chosen.length });
  }
  const docs = rows.map((r) => {
    const f = featurizer.features(r.text);
    return { idx: f.idx.slice(0, f.n), val: f.val.slice(0, f.n), text: f.text };
  });
  return { rows, docs, y: Uint8Array.from(rows.map((r) => CLASSES.indexOf(r.stance))), files };
}

let train: Data;
try {
  train = load(recipe.train.map(parseDataRef));
} catch (err) {
  if (err instanceof DataError) fail(err.message);
  throw err;
}
/** Fold of each train post: by its source page, or -1 (always trained on) when it has none. */
const fold = train!.rows.map((r) =>
  r.source ? createHash('sha256').update(r.source).digest().readUInt32BE(0) % recipe.folds : -1,
);
const crossFitted = fold.flatMap((f, i) => (f >= 0 ? [i] : []));
if (crossFitted.length === 0) fail('no training post has a source page to cross-fit by: name a real set with --train');
const slot = new Map(crossFitted.map((i, j) => [i, j]));
say(`train: ${train!.rows.length} posts (${recipe.train.join(', ')}), ${crossFitted.length} of them cross-fitted`);

const pack = (
  fitted: Fitted,
  calibration: Calibration,
  decision: Decision,
  confidence: ConfidenceMap,
  training: Record<string, unknown>,
) =>
  packModel({
    id: LINEAR_MODEL_ID,
    spec,
    fitted,
    calibration,
    decision,
    confidence,
    maxBuckets: recipe.maxBuckets,
    minWeight: recipe.minWeight,
    digits: recipe.digits,
    training,
  });

function fit(subset: number[], classWeights: ClassWeights, l2: number): Fitted {
  const y = Uint8Array.from(subset, (i) => train.y[i]!);
  const counts = [0, 0, 0];
  for (const k of y) counts[k]!++;
  const w = Float64Array.from(y, (k) => (classWeights === 'none' ? 1 : y.length / (3 * counts[k]!)));
  return fitSoftmax(
    subset.map((i) => train.docs[i]!),
    y,
    w,
    { l2, minDf: recipe.minDf, maxIter: recipe.maxIter, tol: recipe.tol },
  );
}

/** Raw logits and evidence of the model as it would ship (pruned and rounded), four numbers per post. */
function logitsOf(fitted: Fitted, docs: Doc[]): Float64Array {
  const model = new LinearModel(pack(fitted, UNCALIBRATED, ARGMAX, RAW_CONFIDENCE, {}), LEXICON_CUES);
  const out = new Float64Array(docs.length * 4);
  docs.forEach((d, i) => out.set(model.rawLogits({ idx: d.idx, val: d.val, n: d.idx.length, text: d.text }), 4 * i));
  return out;
}

interface HeldOut {
  /** The cross-fitted posts, in train order: three logits each (for the calibration)… */
  logits: Float64Array;
  /** …the evidence… */
  evidence: Float64Array;
  /** …their gold stance and their rows. */
  y: Uint8Array;
  rows: LabelledRow[];
}

/** Every cross-fitted post scored by the model trained without its fold. */
function heldOut(classWeights: ClassWeights, l2: number): HeldOut {
  const all = train.rows.map((_, i) => i);
  const n = crossFitted.length;
  const logits = new Float64Array(n * 3);
  const evidence = new Float64Array(n);
  for (let k = 0; k < recipe.folds; k++) {
    const out = crossFitted.filter((i) => fold[i] === k);
    if (out.length === 0) continue;
    const l = logitsOf(
      fit(
        all.filter((i) => fold[i] !== k),
        classWeights,
        l2,
      ),
      out.map((i) => train.docs[i]!),
    );
    out.forEach((i, j) => {
      const at = slot.get(i)!;
      logits.set(l.subarray(4 * j, 4 * j + 3), 3 * at);
      evidence[at] = l[4 * j + 3]!;
    });
  }
  return {
    logits,
    evidence,
    y: Uint8Array.from(crossFitted, (i) => train.y[i]!),
    rows: crossFitted.map((i) => train.rows[i]!),
  };
}

const reports = (h: HeldOut, decision: Decision, cal: Calibration, map: ConfidenceMap) =>
  Array.from(h.y, (gold, i) => {
    const p = decide(
      [h.logits[3 * i]!, h.logits[3 * i + 1]!, h.logits[3 * i + 2]!, h.evidence[i]!],
      decision,
      cal,
      map,
    );
    return { gold: CLASSES[gold]!, predicted: p.stance, confidence: p.confidence, row: h.rows[i]! };
  });

type Report = ReturnType<typeof reports>[number];
const figures = (items: Report[]) => ({
  ...evaluate(items),
  ece: reliability(items.map((x) => ({ confidence: x.confidence, correct: x.gold === x.predicted }))).ece,
});

/** The decision with the best held-out F_avg; among equals, the offset nearest 0, then the first evidence floor. */
function bestDecision(h: HeldOut, cal: Calibration): { decision: Decision; f_avg: number } {
  const { from, to, step } = recipe.neutralOffsets;
  let best = { decision: ARGMAX, f_avg: -1 };
  for (const minEvidence of recipe.minEvidence) {
    for (let k = 0; from + k * step <= to + 1e-9; k++) {
      const decision = { neutralOffset: Math.round((from + k * step) * 1e6) / 1e6, minEvidence };
      const f = evaluate(reports(h, decision, cal, RAW_CONFIDENCE)).f_avg;
      const nearer = Math.abs(decision.neutralOffset) < Math.abs(best.decision.neutralOffset);
      if (f > best.f_avg || (f === best.f_avg && nearer)) best = { decision, f_avg: f };
    }
  }
  return best;
}

/** Platt scaling of the reported label, once for reported sides and once for neutral. */
function fitConfidenceMap(h: HeldOut, decision: Decision, cal: Calibration): ConfidenceMap {
  const raw = reports(h, decision, cal, RAW_CONFIDENCE);
  const part = (side: boolean) => {
    const mine = raw.filter((x) => (x.predicted !== 'neutral') === side);
    return fitConfidence(
      mine.map((x) => x.confidence),
      mine.map((x) => (x.gold === x.predicted ? 1 : 0)),
    );
  };
  return { side: part(true), neutral: part(false) };
}

const candidates: Array<{
  l2: number;
  classWeights: ClassWeights;
  held_out_f_avg: number;
  decision: Decision;
}> = [];
let best: { h: HeldOut; l2: number; classWeights: ClassWeights; f_avg: number } | undefined;
const grid = values['chosen-only']
  ? { classWeights: [recorded!.chosen.classWeights], l2: [recorded!.chosen.l2] }
  : recipe;
for (const classWeights of grid.classWeights) {
  for (const l2 of grid.l2) {
    const h = heldOut(classWeights, l2);
    const { decision, f_avg } = bestDecision(h, fitCalibration(h.logits, h.y, CALIBRATION));
    candidates.push({ l2, classWeights, held_out_f_avg: f_avg, decision });
    say(
      `  l2 ${l2.toExponential(0)}, class weights ${classWeights.padEnd(8)}: held-out F_avg ${f_avg.toFixed(4)} at neutral offset ${decision.neutralOffset.toFixed(2)}, minimum evidence ${decision.minEvidence}`,
    );
    if (!best || f_avg > best.f_avg) best = { h, l2, classWeights, f_avg };
  }
}
if (!best) fail('the search space is empty');
const { h, l2, classWeights } = best!;
const full = fit(
  train.rows.map((_, i) => i),
  classWeights,
  l2,
);

// Each step is fitted on the numbers as rounded into the file, so the figures below are the file's.
const rounded = (cal: Calibration, decision: Decision, map: ConfidenceMap) => pack(full, cal, decision, map, {});
const calibration = rounded(fitCalibration(h.logits, h.y, CALIBRATION), ARGMAX, RAW_CONFIDENCE).calibration;
const { decision } = rounded(calibration, bestDecision(h, calibration).decision, RAW_CONFIDENCE);
const confidence = rounded(calibration, decision, fitConfidenceMap(h, decision, calibration)).confidence;
const final = reports(h, decision, calibration, confidence);
const beforeMap = figures(reports(h, decision, calibration, RAW_CONFIDENCE));
const quantiles = [0.01, 0.05, 0.1, 0.25, 0.5].map((q) =>
  [...h.evidence].sort((a, b) => a - b)[Math.floor(q * (h.evidence.length - 1))]!.toFixed(3),
);
say(`evidence of held-out posts, quantiles 1/5/10/25/50%: ${quantiles.join(' ')}`);
const summary = (items: Report[]) => {
  const f = figures(items);
  return { n: f.n, f_avg: f.f_avg, macro_f1: f.macro_f1, accuracy: f.accuracy, ece: f.ece };
};
const by = (key: (r: LabelledRow) => string) =>
  Object.fromEntries(
    [...new Set(final.map((x) => key(x.row)))].sort().map((k) => [k, summary(final.filter((x) => key(x.row) === k))]),
  );
const MAIN = new Set(['en', 'fr', 'ru', 'uk']);
const pooled = summary(final);
const perSplit = by((r) => r.split ?? 'none');
const perLanguage = by((r) => (MAIN.has(r.lang) ? r.lang : 'other'));

const file = pack(full, calibration, decision, confidence, {
  recipe,
  data: { train: train.files },
  classes: Object.fromEntries(CLASSES.map((c, k) => [c, train.y.filter((y) => y === k).length])),
  chosen: { l2, classWeights, iterations: full.iterations },
  candidates: values['chosen-only'] ? recorded!.candidates : candidates,
  // Cross-fitted figures; the decision, calibration and confidence map were fitted on these same posts.
  held_out: {
    ...pooled,
    ece_before_confidence_map: beforeMap.ece,
    nll_uncalibrated: r4(nll(h.logits, h.y, UNCALIBRATED)),
    nll: r4(nll(h.logits, h.y, calibration)),
    per_split: perSplit,
    per_language: perLanguage,
  },
});
const text = serialiseModel(file);
writeFileSync(values.out!, text);
const seconds = (performance.now() - t0) / 1000;
say(
  `chosen: l2 ${l2}, class weights ${classWeights}, decision ${JSON.stringify(file.decision)}, calibration ${JSON.stringify(file.calibration)}, confidence ${JSON.stringify(file.confidence)}`,
);
say(
  `held out (cross-fitted): F_avg ${pooled.f_avg.toFixed(4)}, macro-F1 ${pooled.macro_f1.toFixed(4)}, accuracy ${pooled.accuracy.toFixed(4)}, ECE ${pooled.ece.toFixed(4)} (${beforeMap.ece.toFixed(4)} before the confidence map; n ${pooled.n})`,
);
for (const [k, f] of [...Object.entries(perSplit), ...Object.entries(perLanguage)])
  say(
    `  ${k.padEnd(6)} F_avg ${f.f_avg.toFixed(4)}, accuracy ${f.accuracy.toFixed(4)}, ECE ${f.ece.toFixed(4)} (n ${f.n})`,
  );
say(
  `wrote ${values.out}: ${file.weights.buckets.length} buckets, ${(Buffer.byteLength(text) / 1e6).toFixed(2)} MB, in ${seconds.toFixed(1)} s`,
);

function r4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
