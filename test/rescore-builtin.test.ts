import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { PostsReader } from '../api/posts-reader.ts';
import { createKeys } from '../shared/keys.ts';
import type { ScoredPost } from '../shared/post.ts';
import { createRedis } from '../shared/redis.ts';
import { TrendReader } from '../shared/trend-reader.ts';
import { TrendWriter } from '../workers/aggregate/trend-writer.ts';
import { scoreBuiltin } from '../workers/score/builtin.ts';
import { LinearScorer } from '../workers/score/builtin-linear.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';

/**
 * Posts stored with the lexicon's scores move to the linear model, the new default built-in scorer, with
 * `npm run rescore` and no model settings at all; a second run changes nothing, and BUILTIN_MODEL=lexicon
 * would move them back.
 */
let server: TestRedis;
let redis: Redis;
const keys = createKeys('rsb');
const texts = [
  'Free Durov now',
  'Telegram must be held accountable',
  'Durov was detained in Paris',
  'Свободу Дурову!',
  'Il était temps que Durov rende des comptes',
  'Durov case: hearing postponed',
  'Ντούροφ συνελήφθη στη Γαλλία',
];
const now = Date.now();

before(async () => {
  server = await startRedis();
  redis = createRedis(server.url);
  const writer = new TrendWriter(redis, keys, {
    countedSeconds: 86_400,
    postsSeconds: 86_400,
    postsMax: 1_000,
    bucketsSeconds: { m: 86_400, h: 86_400, d: 86_400 },
  });
  const posts: ScoredPost[] = texts.map((text, i) => ({
    source: 'mastodon',
    id: `https://a.social/s/${i}`,
    url: `https://a.social/@x/${i}`,
    text,
    lang: 'en',
    createdAt: new Date(now - 3_600_000 + i * 60_000).toISOString(),
    author: 'a',
    engagement: { likes: 0, reposts: 0, replies: 0 },
    result: scoreBuiltin(text),
    scoredAt: new Date(now).toISOString(),
  }));
  await writer.add(posts, now);
});
after(async () => {
  await redis.quit();
  await server.stop();
});

function rescore(env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/rescore.ts', '--since', new Date(now - 2 * 3_600_000).toISOString()],
      {
        env: {
          ...process.env,
          REDIS_URL: server.url,
          REDIS_PREFIX: 'rsb',
          LOG_LEVEL: 'warn',
          HF_TOKEN: '',
          TEI_URL: '',
          HF_ENDPOINT_URL: '',
          SCORER: '',
          BUILTIN_MODEL: '',
          ...env,
        },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function counts() {
  const [r] = await new TrendReader(redis, keys).totals(
    [[Math.floor((now - 2 * 3_600_000) / 60_000) * 60, Math.floor(now / 60_000) * 60 + 60]],
    {},
  );
  return r!;
}

test('rescore moves lexicon-scored posts to builtin-linear-v1, and the aggregates follow exactly', async () => {
  assert.deepEqual((await counts()).models, { 'builtin-lexicon-v1': texts.length });
  const r = await rescore();
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { rescore: { model: string; setup: string; rescored: number; examined: number } };
  const linear = new LinearScorer();
  assert.equal(out.rescore.model, 'builtin-linear-v1');
  assert.equal(out.rescore.setup, linear.model.setup);
  assert.equal(out.rescore.rescored, texts.length);
  const after = await counts();
  assert.deepEqual(after.models, { 'builtin-linear-v1': texts.length });
  const expected = { support: 0, criticism: 0, neutral: 0 };
  for (const t of texts) expected[linear.scoreText(t).stance]++;
  assert.deepEqual(
    { support: after.counts.support, criticism: after.counts.criticism, neutral: after.counts.neutral },
    expected,
  );
  const page = await new PostsReader(redis, keys).page({}, 50);
  assert.equal(page.posts.length, texts.length);
  for (const p of page.posts) assert.deepEqual(p.result, linear.scoreText(p.text), p.text);
});

test('a second run changes nothing; BUILTIN_MODEL=lexicon moves the posts back', async () => {
  const before = await counts();
  const again = JSON.parse((await rescore()).stdout) as { rescore: { rescored: number; skippedSameModel: number } };
  assert.deepEqual([again.rescore.rescored, again.rescore.skippedSameModel], [0, texts.length]);
  assert.deepEqual(await counts(), before);
  const back = await rescore({ BUILTIN_MODEL: 'lexicon' });
  assert.equal(back.code, 0, back.stderr);
  assert.deepEqual((await counts()).models, { 'builtin-lexicon-v1': texts.length });
});
