import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { closeQueues, openQueues } from '../shared/pipeline-queues.ts';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';

/**
 * `npm run demo`: replays the bundled sample corpus (data/sample-corpus.jsonl, ~200 posts in en/ru/fr/uk
 * spread over a day) through the real pipeline. A local stand-in for a Mastodon instance serves the posts
 * as hashtag-timeline JSON, the real workers collect, score and aggregate them, and the real API serves
 * the trends. Needs no network. `--once` prints the result and exits (used by the test suite).
 */
interface CorpusRow {
  minute: number;
  lang: string;
  label: 'support' | 'criticism' | 'neutral' | 'off-topic';
  text: string;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const once = process.argv.includes('--once');
const readRows = (file: string) =>
  readFileSync(join(root, 'data', file), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CorpusRow);
// The day's corpus, then a burst of criticism in its last minutes (data/sample-spike.jsonl), so the spike
// detector has something to fire on and the dashboard an alert (with drivers) to show.
const rows = [...readRows('sample-corpus.jsonl'), ...readRows('sample-spike.jsonl')];

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
/** The text as Mastodon would render it: a paragraph, hashtags as links (never the "#39" of an escaped apostrophe). */
const toMastodonHtml = (text: string, host: string) =>
  `<p>${escapeHtml(text).replace(/(?<!&)#([\p{L}\p{N}_]+)/gu, (_, tag: string) => `<a href="https://${host}/tags/${tag}" class="mention hashtag" rel="tag">#<span>${tag}</span></a>`)}</p>`;

const mastodon = await new FakeMastodon().start();
const host = new URL(mastodon.url).host;
const dayAgo = Date.now() - 24 * 3_600_000;
rows.forEach((r, i) => {
  mastodon.post(
    'durov',
    {
      content: toMastodonHtml(r.text, host),
      language: r.lang,
      account: { id: String(i), username: `user${i % 37}`, acct: `user${i % 37}`, display_name: '', url: '' },
    },
    new Date(dayAgo + r.minute * 60_000 + (i % 60) * 1000),
  );
});

process.env.SOURCES = 'mastodon';
process.env.MASTODON_INSTANCES = mastodon.url;
process.env.MASTODON_TAGS = 'durov';
process.env.MASTODON_INITIAL_PAGES = '20';
process.env.MASTODON_POLL_SECONDS = '5';
process.env.REDIS_PREFIX ??= 'stancewatch-demo';

const { runAllInOne } = await import('./all-in-one.ts');
const app = await runAllInOne();
const { rt, baseUrl } = app;

// The demo has a prefix of its own; start from a clean slate so a second run shows the same picture.
let cursor = '0';
do {
  const [next, keys] = await rt.redis.scan(cursor, 'MATCH', `${rt.cfg.redis.prefix}:*`, 'COUNT', 500);
  const stale = keys.filter((k) => !k.startsWith(`${rt.cfg.redis.prefix}:q:`) && !k.endsWith(':author-hash-key'));
  if (stale.length) await rt.redis.del(...stale);
  cursor = next;
} while (cursor !== '0');

const expected = rows.filter((r) => r.label !== 'off-topic').length;
process.stderr.write(
  `demo: replaying ${rows.length} posts (${expected} about the case) from a local Mastodon stand-in at ${mastodon.url}\n`,
);
const t0 = Date.now();
type Summary = {
  current: { total: number; support: number; criticism: number; neutral: number; supportShare: number };
};
let summary: Summary | undefined;
for (let i = 0; i < 600; i++) {
  summary = (await (await fetch(`${baseUrl}/api/v1/summary?window=24h`)).json()) as Summary;
  if (summary.current.total >= expected) break;
  await sleep(200);
}
const seconds = (Date.now() - t0) / 1000;
// The detector runs once a minute; one run now judges the burst at once instead of up to a minute later.
const queues = openQueues(rt.redis, rt.keys);
await queues.spikes.add('detect-now', {}, { removeOnComplete: 100, removeOnFail: 100 });
await closeQueues(queues);

type Trends = { buckets: Array<{ start: string; support: number; criticism: number; neutral: number }> };
const trends = (await (await fetch(`${baseUrl}/api/v1/trends?interval=1h`)).json()) as Trends;
const lines = trends.buckets.map(
  (b) =>
    `${b.start.slice(11, 16)}  ${'+'.repeat(b.support).padEnd(14)} ${'-'.repeat(b.criticism).padEnd(14)} ${'.'.repeat(b.neutral)}`,
);
process.stdout.write(
  [
    '',
    `Counted ${summary?.current.total ?? 0} of ${expected} posts in ${seconds.toFixed(1)} s (support ${summary?.current.support}, criticism ${summary?.current.criticism}, neutral ${summary?.current.neutral}).`,
    'Hour (UTC)  support (+)     criticism (-)  neutral (.)',
    ...lines,
    '',
    `Dashboard: ${baseUrl}/`,
    `Trends:  ${baseUrl}/api/v1/trends?interval=1h`,
    `Summary: ${baseUrl}/api/v1/summary?window=24h`,
    `Posts:   ${baseUrl}/api/v1/posts?stance=criticism&lang=ru`,
    `Metrics: ${baseUrl}/metrics`,
    once ? '' : 'Scored by the built-in scorer unless HF_TOKEN or HF_ENDPOINT_URL is set. Ctrl-C to stop.\n',
  ].join('\n'),
);
if (once) {
  process.stdout.write(`${JSON.stringify({ demo: { expected, counted: summary?.current.total ?? 0, seconds } })}\n`);
  await app.close();
  await mastodon.stop();
  process.exit(summary && summary.current.total === expected ? 0 : 1);
}
