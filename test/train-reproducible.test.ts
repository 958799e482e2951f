import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDataRef } from '../shared/stance/data.ts';
import { LINEAR_MODEL_FILE } from '../workers/score/builtin/linear.ts';

/**
 * The committed model is exactly what `npm run train` makes from the committed data: same data files
 * (by sha256), same weights, byte for byte. To stay fast, the test re-fits only the hyper-parameters the
 * recorded search chose (`--chosen-only`); `npm run train -- --reproduce <file>` replays the whole search.
 */
interface Training {
  recipe: { train: string[] };
  data: { train: Array<{ data: string; sha256: string; rows: number }> };
}
const committed = readFileSync(LINEAR_MODEL_FILE);
const training = (JSON.parse(committed.toString('utf8')) as { training: Training }).training;

function train(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/train.ts', ...args],
      { maxBuffer: 10_000_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

test('the model records the data it was trained and tuned on, and that data is unchanged', () => {
  assert.ok(training.data.train.length >= 1);
  for (const d of training.data.train) {
    const { path } = parseDataRef(d.data);
    const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
    assert.equal(sha, d.sha256, `${path} changed since the model was trained: run npm run train and commit the model`);
    assert.ok(d.rows > 0);
  }
  assert.deepEqual(
    training.data.train.map((d) => d.data),
    training.recipe.train,
  );
});

test('re-training from the recorded recipe gives the committed file byte for byte', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'sw-train-')), 'model.json');
  const r = await train(['--reproduce', LINEAR_MODEL_FILE, '--chosen-only', '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const again = readFileSync(out);
  assert.equal(createHash('sha256').update(again).digest('hex'), createHash('sha256').update(committed).digest('hex'));
  assert.ok(again.equals(committed));
});

test('bad training input gets a clear message', async () => {
  const r = await train(['--train', 'no/such.jsonl:train', '--out', join(tmpdir(), 'never.json')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot read no\/such\.jsonl/);
  const split = await train(['--train', 'data/eval/labelled.jsonl:holdout']);
  assert.equal(split.code, 2);
  assert.match(split.stderr, /unknown split holdout/);
  assert.match((await train(['--chosen-only'])).stderr, /--chosen-only needs --reproduce/);
});
