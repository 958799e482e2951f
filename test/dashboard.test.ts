import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemo, type DemoProcess } from './helpers/demo-process.ts';
import { getJson } from './helpers/pipeline.ts';
import { startRedis, type TestRedis } from '../dev/redis-server.ts';

/**
 * The dashboard in a real browser (headless Chromium) over the demo corpus, run through the real pipeline
 * by `npm run demo`: the chart shows what the API says, filters change it, alerts open with their examples.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT = join(tmpdir(), 'stancewatch-dashboard.png');

let redis: TestRedis;
let demo: DemoProcess;
let browser: Browser | undefined;

interface Plotted {
  query: string;
  mode: string;
  start: string[];
  support: Array<number | null>;
  criticism: Array<number | null>;
  neutral: Array<number | null>;
}
type Trends = {
  buckets: Array<{ start: string; support: number; criticism: number; neutral: number }>;
  models: Record<string, number>;
};

before(async () => {
  redis = await startRedis();
  demo = await startDemo(redis.url);
});
after(async () => {
  await browser?.close();
  await demo?.stop();
  await redis?.stop();
});

async function plotted(page: Page): Promise<Plotted> {
  return JSON.parse((await page.getAttribute('#chart', 'data-series'))!) as Plotted;
}

async function assertChartMatchesApi(page: Page, base: string): Promise<Plotted> {
  const s = await plotted(page);
  const api = await getJson<Trends>(`${base}/${s.query}`);
  assert.equal(api.status, 200, s.query);
  assert.deepEqual(
    s.start,
    api.body.buckets.map((b) => b.start),
    'same buckets',
  );
  assert.deepEqual(
    s.support,
    api.body.buckets.map((b) => b.support),
    'support as the API says',
  );
  assert.deepEqual(
    s.criticism,
    api.body.buckets.map((b) => b.criticism),
    'criticism as the API says',
  );
  assert.deepEqual(
    s.neutral,
    api.body.buckets.map((b) => b.neutral),
    'neutral as the API says',
  );
  return s;
}

test('the dashboard shows what the API says, follows filters and opens alerts', async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip(`no Chromium at ${CHROMIUM} (bash .ci/run installs it)`);
  const base = demo.baseUrl;

  // The demo's burst of criticism fires alerts; wait for the detector run the demo triggers.
  for (let i = 0; ; i++) {
    const { body } = await getJson<{ alerts: unknown[] }>(`${base}/api/v1/alerts`);
    if (body.alerts.length) break;
    if (i > 150) assert.fail('no spike alert fired for the demo burst');
    await sleep(200);
  }

  // The alert JSON carries the drivers it fired with, and the drivers API agrees for the alert's window.
  const { body: listed } = await getJson<{
    alerts: Array<{
      id: string;
      stance: string;
      startedAt: string;
      windowMinutes: number;
      drivers?: Array<{ token: string }>;
    }>;
  }>(`${base}/api/v1/alerts?state=firing`);
  const fired = listed.alerts.find((a) => a.id.startsWith('criticism-volume-5m'))!;
  assert.ok(fired, 'the 5-minute criticism volume alert fired');
  const topOfAlert = fired.drivers!.slice(0, 5).map((d) => d.token);
  for (const expected of ['#telegramscams', 'a:fraud and scams', 'd:investigations.example.org'])
    assert.ok(topOfAlert.includes(expected), `${expected} in ${topOfAlert.join(' ')}`);
  const end = Math.floor(Date.parse(fired.startedAt) / 60_000) * 60;
  const api = await getJson<{ drivers: Array<{ token: string; z: number }>; cost: { redisCommands: number } }>(
    `${base}/api/v1/drivers?from=${end - 300}&to=${end}&stance=criticism&baseline=6h`,
  );
  assert.deepEqual(
    api.body.drivers
      .slice(0, 5)
      .map((d) => d.token)
      .sort(),
    [...topOfAlert].sort(),
  );
  t.diagnostic(
    `demo spike drivers: ${api.body.drivers
      .slice(0, 8)
      .map((d) => `${d.token} (z ${d.z})`)
      .join(', ')}; ${api.body.cost.redisCommands} Redis commands`,
  );

  const res = await fetch(`${base}/`);
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/, 'nothing inline, nothing from elsewhere');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1300 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    // Failed requests are checked by URL below; every other console error (a CSP violation included) fails the test.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  const failed: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(e.message));
  const offsite: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(base)) offsite.push(r.url());
  });
  const conditional: Array<{ url: string; status: number }> = [];
  page.on('response', (r) => {
    if (r.request().headers()['if-none-match']) conditional.push({ url: r.url(), status: r.status() });
  });

  await page.goto(`${base}/?refresh=1`);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 15_000 });
  await page.waitForSelector('#chart canvas');

  const all = await assertChartMatchesApi(page, base);
  assert.equal(all.mode, 'counts');
  assert.ok(
    all.criticism.some((n) => (n ?? 0) > 0),
    'the demo corpus is on the chart',
  );

  // Post text is plain text, decoded once: no HTML entity (such as the "&#39;" of an apostrophe) survives.
  const { body: latest } = await getJson<{ posts: Array<{ text: string }> }>(`${base}/api/v1/posts?limit=200`);
  assert.ok(
    latest.posts.some((p) => p.text.includes("'")),
    'the demo has apostrophes',
  );
  assert.deepEqual(
    latest.posts.filter((p) => /&(#\d+|#x[\da-f]+|[a-z]+);/i.test(p.text)).map((p) => p.text),
    [],
  );

  // Provenance: without HF_TOKEN every count is the built-in scorer's, and the page says so.
  assert.equal(await page.getAttribute('#provenance', 'data-builtin-share'), '1');
  assert.match((await page.textContent('#provenance'))!, /built-in scorer \(builtin-linear-v1\)/);
  assert.ok(await page.isVisible('#provenance'));

  // Latest posts, with stance, score, confidence, model and a link to the original.
  const rows = await page.$$eval('#posts tr', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
  );
  assert.ok(rows.length >= 20, 'latest posts listed');
  assert.match(rows[0]![1]!, /^(support|criticism|neutral)$/);
  assert.match(rows[0]![2]!, /^-?\d\.\d\d$/);
  assert.equal(rows[0]![5], 'builtin-linear-v1');
  const links = await page.$$eval('#posts a', (as) => as.map((a) => (a as HTMLAnchorElement).href));
  assert.ok(links.length >= 20 && links.every((h) => /^https?:\/\//.test(h)));

  // Shares: same buckets, fractions.
  await page.check('input[name=mode][value=shares]');
  await page.waitForFunction(() =>
    document.querySelector<HTMLElement>('#chart')?.dataset.series?.includes('"mode":"shares"'),
  );
  const shares = await plotted(page);
  assert.ok(shares.support.every((x) => x === null || (x >= 0 && x <= 1)));
  await page.check('input[name=mode][value=counts]');

  // A filter changes the view, and the view is still exactly the API's.
  await page.selectOption('#lang', 'ru');
  await page.waitForFunction(
    () =>
      /lang=ru/.test(document.querySelector<HTMLElement>('#chart')?.dataset.series ?? '') &&
      document.querySelector<HTMLElement>('#chart')?.dataset.series?.includes('"mode":"counts"'),
  );
  const ru = await assertChartMatchesApi(page, base);
  const sum = (p: Plotted) => [...p.support, ...p.criticism, ...p.neutral].reduce<number>((a, b) => a + (b ?? 0), 0);
  assert.ok(sum(ru) > 0 && sum(ru) < sum(all), `Russian only: ${sum(ru)} of ${sum(all)}`);
  await page.waitForFunction(() =>
    [...document.querySelectorAll('#posts tr .meta')].every((m) => m.textContent?.includes('· ru ·')),
  );
  assert.match(page.url(), /lang=ru/, 'the view is in the URL');

  // Polling revalidates with If-None-Match, and unchanged data comes back 304.
  await page.waitForFunction(() => Number(document.body.dataset.notModified) > 0, undefined, { timeout: 10_000 });
  assert.ok(
    conditional.some((c) => c.status === 304 && c.url.includes('/api/v1/trends')),
    'a trends poll answered 304',
  );

  await page.selectOption('#lang', '');
  await page.waitForFunction(
    () => !/lang=ru/.test(document.querySelector<HTMLElement>('#chart')?.dataset.series ?? ''),
  );

  // Open the first alert: its summary, examples, and (when the drivers API is there) what drove it.
  await page.click('#alerts .alert-open');
  await page.waitForSelector('#alert-detail[data-alert-id]');
  const detail = (await page.textContent('#alert-detail'))!;
  assert.match(detail, /criticism volume spike/);
  const examples = await page.$$eval('#alert-detail .examples li', (lis) => lis.length);
  assert.ok(examples >= 1, 'example posts shown');
  // What drove it: the burst is about scam channels, and its words, hashtag and link say so.
  const shown = await page.$$eval('#alert-detail .drivers li', (lis) =>
    lis.map((li) => (li as HTMLElement).dataset.token ?? ''),
  );
  for (const expected of ['#telegramscams', 'a:fraud and scams', 'd:investigations.example.org'])
    assert.ok(shown.slice(0, 5).includes(expected), `${expected} among the top drivers shown: ${shown.join(' ')}`);
  assert.ok(
    shown.slice(0, 10).some((tok) => ['w:scam', 'w:scams', 'w:fraud', 'w:stolen', 'w:crypto'].includes(tok)),
    shown.join(' '),
  );
  assert.match(
    (await page.textContent('#alerts'))!,
    /driven by #telegramscams/,
    'the alert list names its top drivers',
  );

  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  if (process.env.DASHBOARD_SCREENSHOT) await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT });
  t.diagnostic(`screenshot: ${SCREENSHOT}`);

  assert.deepEqual(offsite, [], 'nothing is loaded from another origin');
  assert.deepEqual(problems, [], 'no script errors and no CSP violations');
  assert.deepEqual(failed, [], 'every request the page makes succeeds');
});
