import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { PostsReader } from '../api/posts-reader.ts';
import { TrendReader } from '../shared/trend-reader.ts';
import { createKeys } from '../shared/keys.ts';
import type { ScoredPost, Stance } from '../shared/post.ts';
import { createRedis } from '../shared/redis.ts';
import { TrendWriter } from '../workers/aggregate/trend-writer.ts';
import { scoreBuiltin } from '../workers/score/builtin/scorer.ts';
import { FakeHuggingFace } from './fakes/fake-huggingface.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';

/** `npm run rescore` moves stored posts to a new model's scores and rebuilds the aggregates exactly. */
let server: TestRedis;
let redis: Redis;
const hf = new FakeHuggingFace();
const keys = createKeys('rs');
const texts = [
  'Free Durov now',
  'Telegram must be held accountable',
  'Durov was detained in Paris',
  'Свободу Дурову!',
  'Il était temps que Durov rende des comptes',
  'Durov case: hearing postponed',
];
const now = Date.now();

before(async () => {
  server = await startRedis();
  redis = createRedis(server.url);
  await hf.start();
  hf.judge = () => 'criticism'; // the new model disagrees with the lexicon about everything but criticism
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
  await hf.stop();
  await server.stop();
});

function rescore(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/rescore.ts', ...args],
      {
        env: {
          ...process.env,
          REDIS_URL: server.url,
          REDIS_PREFIX: 'rs',
          LOG_LEVEL: 'warn',
          HF_TOKEN: '',
          TEI_URL: '',
          HF_ENDPOINT_URL: `${hf.url}/`,
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

test('a rescore moves every stored post to the new model and the aggregates follow exactly', async () => {
  const before = await counts();
  assert.equal(before.counts.support + before.counts.criticism + before.counts.neutral, texts.length);
  assert.deepEqual(before.models, { 'builtin-lexicon-v1': texts.length });
  const r = await rescore(['--since', new Date(now - 2 * 3_600_000).toISOString()]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { rescore: { rescored: number; examined: number } };
  assert.equal(out.rescore.rescored, texts.length);
  const after = await counts();
  assert.deepEqual(
    { s: after.counts.support, c: after.counts.criticism, n: after.counts.neutral },
    { s: 0, c: texts.length, n: 0 },
  );
  assert.deepEqual(
    after.models,
    { 'hf-endpoint:MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7': texts.length },
    'old and new counts are not mixed',
  );
  const page = await new PostsReader(redis, keys).page({ stance: 'criticism' as Stance }, 50);
  assert.equal(page.posts.length, texts.length, 'the stance index follows');
  assert.ok(page.posts.every((p) => p.result.model.kind === 'huggingface'));
  assert.equal((await new PostsReader(redis, keys).page({ stance: 'support' as Stance }, 50)).posts.length, 0);
});

test('a second rescore with the same model changes nothing', async () => {
  const before = await counts();
  const r = await rescore(['--since', new Date(now - 2 * 3_600_000).toISOString()]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { rescore: { rescored: number; skippedSameModel: number } };
  assert.deepEqual([out.rescore.rescored, out.rescore.skippedSameModel], [0, texts.length]);
  assert.deepEqual(await counts(), before);
});

test('bad arguments get a clear message', async () => {
  const r = await rescore(['--since', 'last tuesday']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--since must be a date/);
});
