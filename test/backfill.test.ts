import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { TrendReader } from '../shared/trend-reader.ts';
import { createKeys } from '../shared/keys.ts';
import { createRedis } from '../shared/redis.ts';
import { FakeHackerNews } from '../dev/fakes/fake-hackernews.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';

/** `npm run backfill` pages back through history into the normal pipeline: the reaction from the day of the arrest. */
let server: TestRedis;
let redis: Redis;
const hn = new FakeHackerNews();

before(async () => {
  server = await startRedis();
  redis = createRedis(server.url);
  await hn.start();
  const day = (d: string) => Math.floor(Date.parse(d) / 1000);
  for (let i = 0; i < 120; i++)
    hn.add(
      'comment',
      `Durov arrest comment ${i}: free speech or accountability?`,
      day('2024-08-24T18:00:00Z') + i * 3_600,
    );
  hn.add('comment', 'Durov before the arrest', day('2024-08-01T00:00:00Z'));
  hn.add('comment', 'Durov long after', day('2024-10-01T00:00:00Z'));
});
after(async () => {
  await redis.quit();
  await hn.stop();
  await server.stop();
});

/** Runs the command in a child process; asynchronously, so the fake in this process can answer it. */
function run(args: string[], env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/backfill.ts', ...args],
      { env: { ...process.env, HF_TOKEN: '', HF_ENDPOINT_URL: '', ...env }, timeout: 90_000 },
      (err, stdout, stderr) => {
        resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}
const backfill = (...args: string[]) =>
  run(args, {
    REDIS_URL: server.url,
    REDIS_PREFIX: 'bf',
    SOURCES: 'hackernews',
    HN_BASE_URL: hn.url,
    LOG_LEVEL: 'warn',
  });

test('a backfill over the arrest fortnight counts exactly the posts inside the range, once', async () => {
  const r = await backfill('--source', 'hackernews', '--since', '2024-08-24', '--until', '2024-09-15');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { backfill: { feeds: Array<{ enqueued: number }> } };
  assert.equal(out.backfill.feeds[0]!.enqueued, 120);
  const reader = new TrendReader(redis, createKeys('bf'));
  const [range] = await reader.totals(
    [[Date.parse('2024-08-24T00:00:00Z') / 1000, Date.parse('2024-09-15T00:00:00Z') / 1000]],
    {},
  );
  const c = range!.counts;
  assert.equal(c.support + c.criticism + c.neutral, 120);
  const [firstDay] = await reader.totals(
    [[Date.parse('2024-08-24T18:00:00Z') / 1000, Date.parse('2024-08-24T19:00:00Z') / 1000]],
    { source: 'hackernews' },
  );
  assert.equal(
    firstDay!.counts.support + firstDay!.counts.criticism + firstDay!.counts.neutral,
    1,
    'visible by the hour',
  );

  const again = await backfill('--source', 'hackernews', '--since', '2024-08-24', '--until', '2024-09-15');
  assert.equal(again.status, 0, again.stderr);
  assert.equal(
    (JSON.parse(again.stdout) as { backfill: { feeds: Array<{ enqueued: number; duplicates: number }> } }).backfill
      .feeds[0]!.duplicates,
    120,
    'a second run adds nothing',
  );
});

test('bad arguments get a clear message', async () => {
  const r = await backfill('--source', 'myspace', '--since', '2024-08-24');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--source must be one of mastodon, bluesky, hackernews, reddit, telegram, rss/);
  const rss = await run(['--source', 'rss', '--since', '2024-08-24'], {
    REDIS_URL: server.url,
    REDIS_PREFIX: 'bf2',
    SOURCES: 'rss',
    RSS_FEEDS: `${hn.url}/rss`,
    LOG_LEVEL: 'silent',
  });
  assert.equal(rss.status, 1);
  assert.match(rss.stdout, /keeps no history/);
});
