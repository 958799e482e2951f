import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { csvCell, csvRow } from '../api/export/csv.ts';
import { createApp } from '../api/app.ts';
import { createKeys } from '../shared/keys.ts';
import { createLogger } from '../shared/logger.ts';
import { createMetrics } from '../shared/metrics.ts';
import type { ScoredPost, Stance } from '../shared/post.ts';
import { createRedis } from '../shared/redis.ts';
import { TrendWriter } from '../workers/aggregate/trend-writer.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';
import { serveApp, type ServedApp } from '../dev/serve-app.ts';

/** The exports: CSV that spreadsheets cannot be tricked by, NDJSON, the API's filters, and 100,000 posts in bounded memory. */
let server: TestRedis;
let redis: Redis;
let http: ServedApp;
let base = '';
const PREFIX = 'exp';
const keys = createKeys(PREFIX);
const NOW = Date.parse('2026-11-29T12:00:30Z');

function post(i: number, stance: Stance, minutesAgo: number, lang: string, text: string): ScoredPost {
  return {
    source: i % 2 ? 'mastodon' : 'reddit',
    id: `p${i}`,
    url: `https://a.social/@x/${i}`,
    text,
    lang,
    createdAt: new Date(NOW - minutesAgo * 60_000).toISOString(),
    author: `pseud${i}`,
    engagement: { likes: 0, reposts: 0, replies: 0 },
    result: {
      stance,
      score: stance === 'support' ? 0.8 : stance === 'criticism' ? -0.6 : 0,
      confidence: 0.7,
      model: { id: 'builtin-lexicon-v1', kind: 'builtin' },
    },
    scoredAt: new Date(NOW).toISOString(),
  };
}

const TEXTS = ['=1+1 free Durov', 'He said "no", then left,\nfor good', '-2 votes @everyone', 'plain text', '+33 6 12'];

before(async () => {
  server = await startRedis();
  redis = createRedis(server.url);
  const writer = new TrendWriter(redis, keys, {
    countedSeconds: 86_400,
    postsSeconds: 7 * 86_400,
    postsMax: 1_000,
    bucketsSeconds: { m: 8 * 86_400, h: 400 * 86_400, d: 3_650 * 86_400 },
  });
  const stances: Stance[] = ['support', 'criticism', 'neutral'];
  await writer.add(
    Array.from({ length: 30 }, (_, i) =>
      post(i, stances[i % 3]!, 90 - i, i % 4 === 0 ? 'ru' : 'en', TEXTS[i % TEXTS.length]!),
    ),
    NOW,
  );
  const app = createApp({
    redis,
    keys,
    metrics: createMetrics(),
    log: createLogger('silent'),
    limits: { maxBuckets: 500 },
    now: () => NOW,
  });
  http = await serveApp(app);
  base = http.base;
});

after(async () => {
  await http.close();
  await redis.quit();
  await server.stop();
});

/** A small RFC 4180 reader for the assertions: quoted cells, doubled quotes, line breaks inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [],
    cell = '',
    quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

test('CSV cells: quoting, doubled quotes, and formula-looking text defused; numbers untouched', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  for (const evil of ['=HYPERLINK("http://x")', '+1', '-1+1', '@SUM(A1)', '\t=1', '\r=1'])
    assert.ok(csvCell(evil).replace(/^"/, '').startsWith("'"), evil);
  assert.equal(csvCell(-0.6), '-0.6');
  assert.equal(csvCell(null), '');
  assert.equal(csvRow(['a', 1, null]), 'a,1,\r\n');
});

test('posts export: CSV with the documented columns, every post once, oldest first', async () => {
  const res = await fetch(`${base}/api/v1/export/posts?format=csv`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="stancewatch-posts\.csv"/);
  const rows = parseCsv(await res.text());
  assert.deepEqual(rows[0], [
    'createdAt',
    'source',
    'url',
    'lang',
    'stance',
    'score',
    'confidence',
    'model',
    'author',
    'text',
  ]);
  const data = rows.slice(1);
  assert.equal(data.length, 30);
  assert.deepEqual(
    data.map((r) => r[0]),
    [...data.map((r) => r[0]!)].sort(),
    'oldest first',
  );
  assert.deepEqual(data[0], [
    new Date(NOW - 90 * 60_000).toISOString(),
    'reddit',
    'https://a.social/@x/0',
    'ru',
    'support',
    '0.8',
    '0.7',
    'builtin-lexicon-v1',
    'pseud0',
    "'=1+1 free Durov",
  ]);
  assert.equal(data[1]![9], 'He said "no", then left,\nfor good', 'quotes, commas and line breaks survive');
  assert.equal(data[2]![9], "'-2 votes @everyone");
  assert.equal(data[2]![5], '0', 'a score is a number, not defused text');
});

test('posts export: NDJSON and the same filters as the API', async () => {
  const res = await fetch(`${base}/api/v1/export/posts?format=ndjson&stance=criticism&lang=en&source=mastodon`);
  assert.equal(res.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
  const lines = (await res.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const api = (await (
    await fetch(`${base}/api/v1/posts?stance=criticism&lang=en&source=mastodon&limit=200`)
  ).json()) as { posts: ScoredPost[] };
  assert.ok(lines.length > 0);
  assert.deepEqual(
    lines.map((l) => l.url).sort(),
    api.posts.map((p) => p.url).sort(),
    'the export and the API agree on what matches',
  );
  assert.deepEqual(Object.keys(lines[0]!), [
    'createdAt',
    'source',
    'url',
    'lang',
    'stance',
    'score',
    'confidence',
    'model',
    'author',
    'text',
  ]);
  const ranged = (
    await (
      await fetch(
        `${base}/api/v1/export/posts?format=ndjson&from=${(NOW - 80 * 60_000) / 1000}&to=${(NOW - 70 * 60_000) / 1000}`,
      )
    ).text()
  )
    .trim()
    .split('\n');
  assert.equal(ranged.length, 10, 'from inclusive, to exclusive');
});

test('trends export: the rows of /api/v1/trends, as CSV and NDJSON', async () => {
  const q = 'interval=15m&from=2026-11-29T10:00:00Z&to=2026-11-29T11:59:00Z&lang=en';
  const api = (await (await fetch(`${base}/api/v1/trends?${q}`)).json()) as { buckets: Array<Record<string, unknown>> };
  const nd = (await (await fetch(`${base}/api/v1/export/trends?${q}&format=ndjson`)).text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(nd, api.buckets);
  const csv = parseCsv(await (await fetch(`${base}/api/v1/export/trends?${q}`)).text());
  assert.deepEqual(csv[0], [
    'start',
    'end',
    'support',
    'criticism',
    'neutral',
    'total',
    'supportShare',
    'criticismShare',
    'meanScore',
  ]);
  assert.equal(csv.length, api.buckets.length + 1);
  assert.equal(Number(csv[1 + 4]![5]), api.buckets[4]!.total);
});

test('exports: bad input is a 400 problem naming the parameter', async () => {
  for (const [path, param] of [
    ['/api/v1/export/posts?format=xlsx', 'format'],
    ['/api/v1/export/posts?stance=angry', 'stance'],
    ['/api/v1/export/posts?from=2026-11-29T12:00:00Z&to=2026-11-29T10:00:00Z', 'from'],
    ['/api/v1/export/trends?interval=1m&from=2000-01-01T00:00:00Z', 'interval'],
    ['/api/v1/export/trends?page=2', 'page'],
  ] as const) {
    const res = await fetch(base + path);
    assert.equal(res.status, 400, path);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(((await res.json()) as { param: string }).param, param, path);
  }
});

test('npm run export writes the same file from the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sw-export-'));
  try {
    const out = join(dir, 'posts.csv');
    const env = { ...process.env, REDIS_URL: server.url, REDIS_PREFIX: PREFIX };
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/export.ts', 'posts', '--lang', 'ru', '--out', out],
      { env, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const rows = parseCsv(readFileSync(out, 'utf8'));
    assert.equal(rows.length, 1 + 8);
    assert.ok(rows.slice(1).every((row) => row[3] === 'ru'));
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/export.ts', 'posts', '--format', 'xml'], {
      env,
      encoding: 'utf8',
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--format: "format" must be one of csv, ndjson/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('100,000 posts stream out whole, in bounded memory', (t) => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/export-memory.ts', '--posts', '100000', '--json'],
    {
      env: { ...process.env, REDIS_URL: server.url },
      encoding: 'utf8',
      timeout: 175_000,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    csv: { records: number; heapGrowthMB: number; rssGrowthMB: number; firstRows: string; lastRow: string };
  };
  assert.equal(report.csv.records, 100_000, 'every post, once');
  assert.match(
    report.csv.firstRows,
    /^createdAt,source,url,lang,stance,score,confidence,model,author,text\r2026-01-01T00:00:00.000Z,reddit,/,
  );
  assert.match(
    report.csv.lastRow,
    /^2026-01-02T03:46:39\.000Z,mastodon,https:\/\/example\.social\/@u499\/99999,uk,support,0\.7,0\.8,builtin-lexicon-v1,pseudonym/,
  );
  // A body held in memory would be ~23 MB of CSV (and several times that as JS strings); streaming holds a few chunks.
  assert.ok(report.csv.heapGrowthMB < 16, `live heap grew by ${report.csv.heapGrowthMB} MB`);
  t.diagnostic(`100,000 posts as CSV: live heap +${report.csv.heapGrowthMB} MB, RSS +${report.csv.rssGrowthMB} MB`);
});
