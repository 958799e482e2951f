import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { bannerLines, logBanner } from '../../shared/banner.ts';
import { ConfigError, loadConfig } from '../../shared/config.ts';
import { createLogger, prettyLogs } from '../../shared/logger.ts';

const info = {
  api: 'http://127.0.0.1:8080',
  dashboard: 'http://127.0.0.1:8080/',
  metrics: 'http://127.0.0.1:8080/metrics',
  scorer: 'builtin-lexicon-v1',
  sources: ['mastodon', 'rss'],
  redis: 'redis://127.0.0.1:6379',
};

test('the start-up banner says what runs where', () => {
  const lines = bannerLines(info);
  assert.equal(lines[0], 'stancewatch is running');
  assert.match(lines.join('\n'), /dashboard +http:\/\/127\.0\.0\.1:8080\/\n +API +http:\/\/127\.0\.0\.1:8080\/api\/v1/);
  assert.match(lines.join('\n'), /scorer +builtin-lexicon-v1 \(built-in fallback/);
  assert.match(lines.join('\n'), /sources +mastodon, rss/);
  assert.ok(
    !bannerLines({ api: 'x', metrics: 'y', redis: 'z' }).some((l) => l.includes('scorer')),
    'only what runs here',
  );
});

test('off a terminal the banner is one JSON record with the same facts as fields', () => {
  let out = '';
  const sink = new Writable({ write: (c, _e, cb) => ((out += c.toString()), cb()) });
  logBanner(createLogger('info', 'test', sink), info);
  const record = JSON.parse(out) as Record<string, unknown>;
  assert.equal(record.msg, 'stancewatch is running');
  assert.equal(record.dashboard, 'http://127.0.0.1:8080/');
  assert.deepEqual(record.sources, ['mastodon', 'rss']);
});

test('LOG_FORMAT: json and pretty are what they say; auto is pretty only on a terminal', () => {
  assert.equal(prettyLogs('json'), false);
  assert.equal(prettyLogs('pretty'), true);
  assert.equal(prettyLogs('auto'), Boolean(process.stdout.isTTY));
  assert.equal(loadConfig({}).logFormat, 'auto');
  assert.throws(
    () => loadConfig({ LOG_FORMAT: 'fancy' }),
    (err: Error) => err instanceof ConfigError && /LOG_FORMAT/.test(err.message),
  );
});

test('with readable logs the banner is one block of lines', () => {
  let out = '';
  const sink = new Writable({ write: (c, _e, cb) => ((out += c.toString()), cb()) });
  logBanner(createLogger('info', 'test', sink), info, true);
  const record = JSON.parse(out) as Record<string, unknown>;
  assert.equal(record.msg, `\n${bannerLines(info).join('\n')}`);
  assert.equal(record.dashboard, undefined, 'the facts are in the block, not repeated as fields');
});
