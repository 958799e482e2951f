import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';

/** `npm run demo` replays the bundled corpus through the real pipeline and every relevant post is counted. */
let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

test('the demo counts every post of the sample corpus that is about the case', () => {
  const rows = readFileSync('data/sample-corpus.jsonl', 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { label: string; lang: string });
  assert.ok(rows.length >= 200, 'a corpus of a few hundred posts');
  for (const lang of ['en', 'ru', 'fr', 'uk']) assert.ok(rows.filter((r) => r.lang === lang).length >= 40, lang);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--once'], {
    env: { ...process.env, REDIS_URL: redis.url, PORT: '0', LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 90_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(
    r.stdout
      .trim()
      .split('\n')
      .find((l) => l.startsWith('{"demo"'))!,
  ) as { demo: { expected: number; counted: number } };
  const spike = readFileSync('data/sample-spike.jsonl', 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { label: string });
  assert.equal(result.demo.expected, [...rows, ...spike].filter((x) => x.label !== 'off-topic').length);
  assert.equal(result.demo.counted, result.demo.expected);
  assert.match(r.stdout, /Trends: {2}http:\/\/127\.0\.0\.1:\d+\/api\/v1\/trends/);
});
