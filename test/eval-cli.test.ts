import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Stance } from '../shared/post.ts';
import { FakeHuggingFace } from '../dev/fakes/fake-huggingface.ts';
import { FakeTei } from '../dev/fakes/fake-tei.ts';

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

interface Report {
  scorer: string;
  file: string;
  split: string;
  n: number;
  f_avg: number;
  macro_f1: number;
  accuracy: number;
  posts_per_second: number;
  ece: number;
  per_language: Record<string, { n: number; f_avg: number }>;
  per_kind: Record<string, { n: number; f_avg: number }>;
  reliability: Array<{
    from: number;
    to: number;
    count: number;
    mean_confidence: number | null;
    accuracy: number | null;
  }>;
}

test('built-in scorer: the table and the JSON figures', async () => {
  // Without --file: the held-out test sets, scored by the default built-in scorer (the linear model).
  const table = await run(['--scorer', 'builtin', '--split', 'test']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /scorer builtin-linear-v1 on data\/eval\/labelled\.jsonl \(split: test\), \d+ posts\/s/);
  assert.match(table.stdout, /^all\s+\d+\s+0\.\d{3}/m);
  assert.match(table.stdout, /confusion \(rows: gold, columns: predicted\)/);
  assert.match(table.stdout, /reliability \(confidence bin: posts, mean confidence, accuracy\)/);
  assert.match(table.stdout, /^ECE 0\.\d{3}/m);
  const json = await run(['--scorer', 'builtin', '--file', 'data/eval/labelled.jsonl', '--json']);
  const r = JSON.parse(json.stdout) as Report;
  assert.equal(r.scorer, 'builtin-linear-v1');
  assert.equal(r.n, rows.length);
  for (const k of ['f_avg', 'macro_f1', 'accuracy'] as const) assert.ok(r[k] > 0 && r[k] <= 1, k);
  assert.deepEqual(Object.keys(r.per_language).sort(), ['en', 'fr', 'ru', 'uk']);
  assert.ok(r.posts_per_second > 0);
  assert.deepEqual(r.per_kind, {}, 'the synthetic set has no kinds');
  assert.ok(r.ece >= 0 && r.ece <= 1);
  assert.equal(r.reliability.length, 10);
  assert.equal(
    r.reliability.reduce((a, b) => a + b.count, 0),
    r.n,
  );
  // The lexicon stays available for comparison.
  const lexicon = JSON.parse(
    (await run(['--scorer', 'lexicon', '--file', 'data/eval/labelled.jsonl', '--split', 'test', '--json'])).stdout,
  ) as Report;
  assert.equal(lexicon.scorer, 'builtin-lexicon-v1');
  assert.equal(lexicon.n, rows.filter((x) => x.split === 'test').length);
  const chosen = JSON.parse(
    (await run(['--scorer', 'builtin', '--file', 'data/eval/labelled.jsonl', '--json'], { BUILTIN_MODEL: 'lexicon' }))
      .stdout,
  ) as Report;
  assert.equal(chosen.scorer, 'builtin-lexicon-v1', 'builtin means what BUILTIN_MODEL selects');
});

test('several sets at once, with figures per kind of text when the items say it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sw-eval-'));
  const file = join(dir, 'real.jsonl');
  const kinds = ['comment', 'quote', 'news_sentence'];
  writeFileSync(
    file,
    rows
      .slice(0, 60)
      .map((r, i) =>
        JSON.stringify({
          ...r,
          kind: kinds[i % 3],
          split: i % 2 ? 'train' : 'test',
          source: `https://example.org/${i % 7}`,
        }),
      )
      .join('\n'),
  );
  const out = await run([
    '--scorer',
    'linear',
    '--file',
    file,
    '--file',
    'data/eval/labelled.jsonl',
    '--split',
    'test',
    '--json',
  ]);
  assert.equal(out.code, 0, out.stderr);
  const j = JSON.parse(out.stdout) as { scorer: string; sets: Report[] };
  assert.equal(j.scorer, 'builtin-linear-v1');
  assert.deepEqual(
    j.sets.map((s) => s.file),
    [file, 'data/eval/labelled.jsonl'],
  );
  assert.equal(j.sets[0]!.n, 30, 'only the test split');
  assert.deepEqual(Object.keys(j.sets[0]!.per_kind).sort(), ['comment', 'news_sentence', 'quote']);
  assert.equal(
    Object.values(j.sets[0]!.per_kind).reduce((a, k) => a + k.n, 0),
    30,
  );
  const table = await run(['--scorer', 'linear', '--file', file, '--split', 'test']);
  assert.match(table.stdout, /^kind\s+n\s+acc/m);
  assert.match(table.stdout, /^news_sentence\s+10\s/m);
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
  assert.match((await run(['--scorer', 'gpt'])).stderr, /--scorer must be builtin, linear, lexicon, hf or tei/);
  assert.match((await run(['--split', 'holdout'])).stderr, /--split must be train, dev, test or all/);
  assert.match((await run(['--scorer', 'hf'])).stderr, /needs HF_TOKEN/);
});
