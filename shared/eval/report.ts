import { STANCES, type Stance } from '../post.ts';
import { reliability, type ReliabilityBin } from './calibration.ts';
import { evaluate, type ClassFigures, type Figures } from './metrics.ts';

/** What `npm run eval` reports for one labelled set: overall, per language, per kind, and calibration. Pure. */
export interface EvalItem {
  lang: string;
  kind?: string | undefined;
  gold: Stance;
  predicted: Stance;
  confidence: number;
}

interface Slice {
  n: number;
  f_avg: number;
  macro_f1: number;
  accuracy: number;
  per_class: Record<Stance, ClassFigures>;
}

export interface SetReport {
  scorer: string;
  file: string;
  split: string;
  n: number;
  f_avg: number;
  macro_f1: number;
  accuracy: number;
  per_class: Record<Stance, ClassFigures>;
  confusion: Figures['confusion'];
  per_language: Record<string, Slice>;
  /** Only when the items say what kind of text they are (comment, quote, news_sentence …). */
  per_kind: Record<string, Slice>;
  /** Expected calibration error of `confidence` over 10 equal-width bins. */
  ece: number;
  reliability: ReliabilityBin[];
  posts_per_second: number;
}

const slice = (f: Figures): Slice => ({
  n: f.n,
  f_avg: f.f_avg,
  macro_f1: f.macro_f1,
  accuracy: f.accuracy,
  per_class: f.perClass,
});

function groups(items: readonly EvalItem[], key: (i: EvalItem) => string | undefined): Record<string, Slice> {
  const names = [...new Set(items.map(key).filter((k): k is string => k !== undefined))].sort();
  return Object.fromEntries(names.map((name) => [name, slice(evaluate(items.filter((i) => key(i) === name)))]));
}

export function buildReport(
  items: readonly EvalItem[],
  meta: { scorer: string; file: string; split: string; postsPerSecond: number },
): SetReport {
  const overall = evaluate(items);
  const cal = reliability(items.map((i) => ({ confidence: i.confidence, correct: i.gold === i.predicted })));
  return {
    scorer: meta.scorer,
    file: meta.file,
    split: meta.split,
    n: overall.n,
    f_avg: overall.f_avg,
    macro_f1: overall.macro_f1,
    accuracy: overall.accuracy,
    per_class: overall.perClass,
    confusion: overall.confusion,
    per_language: groups(items, (i) => i.lang),
    per_kind: groups(items, (i) => i.kind),
    ece: cal.ece,
    reliability: cal.bins,
    posts_per_second: meta.postsPerSecond,
  };
}

export function formatReport(r: SetReport): string {
  const line = (name: string, f: Slice) =>
    `${name.padEnd(14)} ${String(f.n).padStart(5)}  ${f.accuracy.toFixed(3)}  ${f.macro_f1.toFixed(3)}  ${f.f_avg.toFixed(3)}   ${STANCES.map((s) => `${f.per_class[s].precision.toFixed(2)}/${f.per_class[s].recall.toFixed(2)}/${f.per_class[s].f1.toFixed(2)}`).join('   ')}`;
  const header = (first: string) =>
    `${first.padEnd(14)} ${'n'.padStart(5)}  acc    macroF1 F_avg   ${STANCES.map((s) => `${s} P/R/F1`.padEnd(16)).join(' ')}`;
  const all = slice({
    n: r.n,
    accuracy: r.accuracy,
    macro_f1: r.macro_f1,
    f_avg: r.f_avg,
    perClass: r.per_class,
    confusion: r.confusion,
  });
  const kinds = Object.entries(r.per_kind);
  const fmt = (x: number | null) => (x === null ? '    -' : x.toFixed(3));
  return [
    `scorer ${r.scorer} on ${r.file} (split: ${r.split}), ${r.posts_per_second} posts/s`,
    '',
    header('lang'),
    ...Object.entries(r.per_language).map(([l, f]) => line(l, f)),
    line('all', all),
    ...(kinds.length ? ['', header('kind'), ...kinds.map(([k, f]) => line(k, f))] : []),
    '',
    'confusion (rows: gold, columns: predicted)',
    `${''.padEnd(10)}${STANCES.map((s) => s.padStart(10)).join('')}`,
    ...STANCES.map((g) => `${g.padEnd(10)}${STANCES.map((p) => String(r.confusion[g][p]).padStart(10)).join('')}`),
    '',
    'reliability (confidence bin: posts, mean confidence, accuracy)',
    ...r.reliability.map(
      (b) =>
        `  ${b.from.toFixed(1)}–${b.to.toFixed(1)}  ${String(b.count).padStart(5)}  ${fmt(b.mean_confidence)}  ${fmt(b.accuracy)}`,
    ),
    `ECE ${r.ece.toFixed(3)} (expected calibration error: count-weighted mean |accuracy − confidence| over the bins)`,
  ].join('\n');
}
