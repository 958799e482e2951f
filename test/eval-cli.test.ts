import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Stance } from '../shared/post.ts';
import { FakeHuggingFace } from './fakes/fake-huggingface.ts';
import { FakeTei } from './fakes/fake-tei.ts';

/** `npm run eval` end to end: the built-in scorer on the bundled set, and the HF and TEI wiring against fakes. */
const hf = new FakeHuggingFace();
const tei = new FakeTei();
const rows = readFileSync('data/eval/labelled.jsonl', 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { text: string; lang: string; stance: Stance; split: string });
const gold = new Map(rows.map((r) => [r.text.slice(0, 1_500), r.stance]));

before(async () => {
  await hf.start();
  await tei.start();
  // The fakes answer with the gold label, so the wiring must come out at F_avg 1: anything less is a bug in it.
  hf.judge = (t) => gold.get(t) ?? 'neutral';
  tei.judge = (t) => gold.get(t) ?? 'neutral';
});
after(async () => {
  await hf.stop();
  await tei.stop();
});

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/eval.ts', ...args],
      {
        env: { ...process.env, LOG_LEVEL: 'silent', HF_TOKEN: '', HF_ENDPOINT_URL: '', TEI_URL: '', ...env },
        maxBuffer: 10_000_000,
      },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

test('the labelled set: at least 400 posts, 60 per language, balanced, with a held-out test split', () => {
  assert.ok(rows.length >= 400);
  for (const lang of ['en', 'ru', 'fr', 'uk']) assert.ok(rows.filter((r) => r.lang === lang).length >= 60, lang);
  for (const s of ['support', 'criticism', 'neutral']) assert.ok(rows.filter((r) => r.stance === s).length >= 110, s);
  assert.ok(rows.filter((r) => r.split === 'test').length >= 100);
  assert.equal(new Set(rows.map((r) => r.text)).size, rows.length, 'no duplicates');
});

test('built-in scorer: the table and the JSON figures', async () => {
  const table = await run(['--scorer', 'builtin', '--split', 'test']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /scorer builtin-lexicon-v1/);
  assert.match(table.stdout, /^all\s+\d+\s+0\.\d{3}/m);
  assert.match(table.stdout, /confusion \(rows: gold, columns: predicted\)/);
  const json = await run(['--scorer', 'builtin', '--json']);
  const r = JSON.parse(json.stdout) as {
    n: number;
    f_avg: number;
    macro_f1: number;
    accuracy: number;
    per_language: Record<string, { f_avg: number }>;
    posts_per_second: number;
  };
  assert.equal(r.n, rows.length);
  for (const k of ['f_avg', 'macro_f1', 'accuracy'] as const) assert.ok(r[k] > 0 && r[k] <= 1, k);
  assert.deepEqual(Object.keys(r.per_language).sort(), ['en', 'fr', 'ru', 'uk']);
  assert.ok(r.posts_per_second > 0);
});

test('hf and tei scorers are evaluated through the real wiring against fakes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sw-eval-'));
  const file = join(dir, 'small.jsonl');
  writeFileSync(
    file,
    rows
      .filter((_, i) => i % 10 === 0)
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );
  const viaHf = await run(['--scorer', 'hf', '--file', file, '--json'], {
    HF_ENDPOINT_URL: `${hf.url}/`,
    HF_CONCURRENCY: '8',
  });
  assert.equal(viaHf.code, 0, viaHf.stderr);
  const h = JSON.parse(viaHf.stdout) as { scorer: string; f_avg: number; accuracy: number };
  assert.match(h.scorer, /^hf-endpoint:/);
  assert.equal(h.accuracy, 1);
  const viaTei = await run(['--scorer', 'tei', '--file', file, '--json'], { TEI_URL: tei.url });
  assert.equal(viaTei.code, 0, viaTei.stderr);
  const t = JSON.parse(viaTei.stdout) as { scorer: string; accuracy: number };
  assert.match(t.scorer, /^tei:/);
  assert.equal(t.accuracy, 1);
});

test('bad input gets a clear message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sw-eval-'));
  const file = join(dir, 'bad.jsonl');
  writeFileSync(file, '{"text":"x","lang":"en","stance":"happy"}\n');
  const r = await run(['--file', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.jsonl:1: stance/);
  assert.match((await run(['--scorer', 'gpt'])).stderr, /--scorer must be builtin, hf or tei/);
  assert.match((await run(['--scorer', 'hf'])).stderr, /needs HF_TOKEN/);
});
