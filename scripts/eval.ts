import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../shared/config.ts';
import { evaluate, type Figures } from '../shared/eval/metrics.ts';
import { createLogger } from '../shared/logger.ts';
import { createMetrics } from '../shared/metrics.ts';
import { STANCES } from '../shared/lists.ts';
import { BuiltinScorer } from '../workers/score/builtin/scorer.ts';
import { modelScorer } from '../workers/score/choose-scorer.ts';
import type { Scorer } from '../workers/score/scorer.ts';

/**
 * `npm run eval -- --scorer builtin|hf|tei [--file labelled.jsonl] [--split dev|test|all] [--json]`
 * Scores a labelled JSON-lines file ({"text","lang","stance"}, optional "split") and prints, overall and
 * per language: accuracy, per-class precision/recall/F1, macro-F1, F_avg (SemEval-2016's mean of the
 * support and criticism F1) and the confusion matrix, plus the scorer's posts/s. hf and tei use the same
 * settings as the workers (HF_TOKEN / HF_ENDPOINT_URL / TEI_URL …).
 */
const { values } = parseArgs({
  options: {
    scorer: { type: 'string', default: 'builtin' },
    file: { type: 'string', default: 'data/eval/labelled.jsonl' },
    split: { type: 'string', default: 'all' },
    json: { type: 'boolean', default: false },
  },
});
const fail = (m: string): never => {
  process.stderr.write(`eval: ${m}\n`);
  process.exit(2);
};
if (!['builtin', 'hf', 'tei'].includes(values.scorer!)) fail('--scorer must be builtin, hf or tei');
if (!['dev', 'test', 'all'].includes(values.split!)) fail('--split must be dev, test or all');

const row = z.object({
  text: z.string().min(1),
  lang: z.string().min(2),
  stance: z.enum(STANCES),
  split: z.enum(['dev', 'test']).optional(),
});
let lines: string[];
try {
  lines = readFileSync(values.file!, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
} catch (err) {
  fail(`cannot read ${values.file}: ${(err as Error).message}`);
}
const rows = lines!
  .map((l, i) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(l);
    } catch {
      fail(`${values.file}:${i + 1} is not JSON`);
    }
    const r = row.safeParse(parsed);
    if (!r.success)
      fail(`${values.file}:${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    return r.data!;
  })
  .filter((r) => values.split === 'all' || (r.split ?? 'test') === values.split);
if (rows.length === 0) fail('no rows to evaluate');

/** The same scorer the workers would build, with the same settings (HF_*, TEI_*, HYPOTHESIS_*). */
function chooseScorer(kind: string): Scorer {
  if (kind === 'builtin') return new BuiltinScorer();
  try {
    const cfg = loadConfig({
      ...process.env,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      SCORER: kind === 'hf' ? 'huggingface' : 'tei',
    });
    return modelScorer(cfg.scoring, createMetrics(), createLogger(cfg.logLevel, 'eval'));
  } catch (err) {
    return fail(err instanceof ConfigError ? err.message : String(err));
  }
}

const scorer = chooseScorer(values.scorer!);
const t0 = performance.now();
const results = await scorer.score(rows.map((r) => r.text));
const seconds = (performance.now() - t0) / 1000;
const pairs = rows.map((r, i) => ({ lang: r.lang, gold: r.stance, predicted: results[i]!.stance }));
const overall = evaluate(pairs);
const perLanguage = Object.fromEntries(
  [...new Set(rows.map((r) => r.lang))].sort().map((lang) => [lang, evaluate(pairs.filter((p) => p.lang === lang))]),
);
const report = {
  scorer: scorer.model.id,
  file: values.file,
  split: values.split,
  n: overall.n,
  f_avg: overall.f_avg,
  macro_f1: overall.macro_f1,
  accuracy: overall.accuracy,
  per_class: overall.perClass,
  confusion: overall.confusion,
  per_language: Object.fromEntries(
    Object.entries(perLanguage).map(([l, f]) => [
      l,
      { n: f.n, f_avg: f.f_avg, macro_f1: f.macro_f1, accuracy: f.accuracy, per_class: f.perClass },
    ]),
  ),
  posts_per_second: Math.round(overall.n / seconds),
};

if (values.json) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  const line = (name: string, f: Figures) =>
    `${name.padEnd(8)} ${String(f.n).padStart(5)}  ${f.accuracy.toFixed(3)}  ${f.macro_f1.toFixed(3)}  ${f.f_avg.toFixed(3)}   ${STANCES.map((s) => `${f.perClass[s].precision.toFixed(2)}/${f.perClass[s].recall.toFixed(2)}/${f.perClass[s].f1.toFixed(2)}`).join('   ')}`;
  const out = [
    `scorer ${scorer.model.id} on ${values.file} (split: ${values.split}), ${report.posts_per_second} posts/s`,
    '',
    `${'lang'.padEnd(8)} ${'n'.padStart(5)}  acc    macroF1 F_avg   ${STANCES.map((s) => `${s} P/R/F1`.padEnd(16)).join(' ')}`,
    ...Object.entries(perLanguage).map(([l, f]) => line(l, f)),
    line('all', overall),
    '',
    'confusion (rows: gold, columns: predicted)',
    `${''.padEnd(10)}${STANCES.map((s) => s.padStart(10)).join('')}`,
    ...STANCES.map(
      (g) => `${g.padEnd(10)}${STANCES.map((p) => String(overall.confusion[g][p]).padStart(10)).join('')}`,
    ),
    '',
    'F_avg = mean(F1 support, F1 criticism), as in SemEval-2016 Task 6 (best system there: 0.6782).',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}
