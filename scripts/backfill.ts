import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Queue } from 'bullmq';
import { SOURCE_NAMES } from '../shared/lists.ts';
import { boot } from '../shared/runtime.ts';
import { startWorkers } from '../workers/pipeline.ts';

/**
 * `npm run backfill -- --source hackernews --since 2024-08-24 --until 2024-09-15 [--feed <feed id>]`
 * Pages back through a source's history (Hacker News, Mastodon, Bluesky, Telegram, Reddit) and sends what
 * it finds through the normal pipeline: relevance filter, de-duplication (posts already collected are not
 * counted again), scoring, aggregation. Live cursors are not touched. Exits when everything is counted.
 */
function fail(message: string): never {
  process.stderr.write(
    `backfill: ${message}\nusage: npm run backfill -- --source <${SOURCE_NAMES.join('|')}> --since <date> [--until <date>] [--feed <feed id>]\n`,
  );
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    source: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    feed: { type: 'string' },
  },
});
if (!values.source || !(SOURCE_NAMES as readonly string[]).includes(values.source))
  fail(`--source must be one of ${SOURCE_NAMES.join(', ')}`);
const sinceMs = Date.parse(values.since ?? '');
const untilMs = values.until ? Date.parse(values.until) : Date.now();
if (Number.isNaN(sinceMs)) fail('--since must be a date such as 2024-08-24 or 2024-08-24T18:00:00Z');
if (Number.isNaN(untilMs)) fail('--until must be a date such as 2024-09-15');
if (sinceMs >= untilMs) fail('--since must be earlier than --until');

const rt = await boot('backfill');
const workers = await startWorkers(rt.cfg, rt.redis, rt.metrics, rt.log, { schedule: false });
const feeds = workers.collector
  .allFeeds()
  .filter((f) => f.source === values.source && (!values.feed || f.id === values.feed));
if (feeds.length === 0) {
  await workers.close();
  await rt.redis.quit();
  fail(
    `no ${values.source} feed is configured${values.feed ? ` with id ${values.feed}` : ''} (see SOURCES and the ${values.source.toUpperCase()}_* settings)`,
  );
}

const range = { sinceMs, untilMs };
const results = [];
for (const feed of feeds) {
  const t0 = performance.now();
  const outcome = await workers.collector
    .backfill(feed.id, range)
    .catch((err: Error) => ({ feedId: feed.id, error: err.message }));
  results.push({ ...outcome, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)) });
  rt.log.info(outcome, 'backfilled feed');
}

// Wait until every post this run enqueued is scored and counted.
const busy = async (q: Queue) =>
  Object.values(await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).reduce((a, b) => a + b, 0);
while ((await busy(workers.queues.score)) + (await busy(workers.queues.aggregate)) > 0) await sleep(200);

process.stdout.write(
  `${JSON.stringify({ backfill: { source: values.source, since: new Date(sinceMs).toISOString(), until: new Date(untilMs).toISOString(), feeds: results } }, null, 2)}\n`,
);
await workers.close();
await rt.redis.quit();
process.exit(results.some((r) => 'error' in r && r.error) ? 1 : 0);
