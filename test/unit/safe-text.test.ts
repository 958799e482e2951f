import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRedactor, urlCredentials } from '../../shared/redact.ts';
import { webhookBody, type Alert } from '../../shared/spikes/alert.ts';
import { capText } from '../../shared/text/bounds.ts';
import { slackLink, slackText } from '../../shared/text/escape.ts';
import { textFingerprint } from '../../shared/text/fingerprint.ts';
import { isRelevant } from '../../shared/text/relevance.ts';
import { redactUrlCredentials, safeHttpUrl } from '../../shared/text/safe-url.ts';
import { boundedPost } from '../../workers/collect/link-policy.ts';
import type { Post } from '../../shared/post.ts';

test('safeHttpUrl keeps http(s) on the allowed hosts and drops everything else', () => {
  assert.equal(safeHttpUrl('https://bsky.app/profile/a/post/1', ['bsky.app']), 'https://bsky.app/profile/a/post/1');
  assert.equal(safeHttpUrl('https://www.reddit.com/r/x', ['reddit.com']), 'https://www.reddit.com/r/x');
  for (const bad of [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,x',
    'vbscript:x',
    'file:///etc/passwd',
    '//evil.example/x',
    'https://user:pw@bsky.app/x',
    'https://bsky.app.evil.example/x',
    'https://evilbsky.app/x',
    'https://www.reddit.com@evil.example/x',
    '',
    'not a url',
  ]) {
    assert.equal(safeHttpUrl(bad, ['bsky.app', 'reddit.com']), undefined, bad);
  }
  // The serialisation percent-encodes what could close a Slack link or an HTML attribute.
  assert.equal(safeHttpUrl('https://a.social/x y<z>"'), 'https://a.social/x%20y%3Cz%3E%22');
  assert.equal(safeHttpUrl(`https://a.social/${'x'.repeat(3_000)}`), undefined, 'over-long URLs are dropped');
});

test('the collection link policy pins each platform to its own host; Mastodon to the status origin', () => {
  const base: Post = {
    source: 'mastodon',
    id: 'https://b.social/users/x/statuses/1',
    url: 'https://b.social/@x/1',
    text: 't',
    lang: 'en',
    createdAt: '2026-01-01T00:00:00Z',
    author: 'a',
    engagement: { likes: 0, reposts: 0, replies: 0 },
  };
  assert.equal(boundedPost(base, 5_000).post.url, 'https://b.social/@x/1');
  assert.deepEqual(
    [
      boundedPost({ ...base, url: 'https://evil.example/@x/1' }, 5_000).post.url,
      boundedPost({ ...base, url: 'https://evil.example/@x/1' }, 5_000).urlDropped,
    ],
    ['', true],
  );
  assert.equal(boundedPost({ ...base, source: 'hackernews', id: '1', url: 'javascript:alert(1)' }, 5_000).post.url, '');
  assert.equal(
    boundedPost({ ...base, source: 'rss', id: 'g', url: 'https://news.example.org/a' }, 5_000).post.url,
    'https://news.example.org/a',
  );
  assert.equal(boundedPost({ ...base, source: 'rss', id: 'g', url: 'javascript:x' }, 5_000).post.url, '');
  assert.equal(boundedPost({ ...base, text: 'x'.repeat(10_000) }, 5_000).post.text.length, 5_000);
});

test('capText cuts at the cap, never inside a surrogate pair or before a combining mark', () => {
  assert.equal(capText('short', 10), 'short');
  const emoji = '😀'.repeat(10); // 20 UTF-16 units
  const cut = capText(emoji, 6);
  assert.ok(cut.length <= 6 && cut.endsWith('…'));
  assert.doesNotThrow(() => encodeURIComponent(cut), 'no lone surrogate');
  assert.equal(capText('abcde\u0301fgh', 6), 'abcd…', 'the accent stays with its letter');
});

test('Slack escaping: no mention, no link injection, no bidi controls', () => {
  assert.equal(slackText('<!channel> & <https://evil|click>'), '&lt;!channel&gt; &amp; &lt;https://evil|click&gt;');
  assert.equal(slackText('abc\u202Egnp.exe'), 'abcgnp.exe');
  assert.equal(
    slackLink('https://a.social/x|<!channel>', 'mastodon'),
    '<https://a.social/x%7C%3C!channel%3E|mastodon>',
  );
  assert.equal(slackLink('javascript:alert(1)', 'mastodon'), 'mastodon');
  const alert: Alert = {
    id: 'support-volume-5m-1',
    kind: 'volume',
    stance: 'support',
    windowMinutes: 5,
    state: 'firing',
    observed: 10,
    expected: 1,
    pValue: 1e-9,
    z: 5,
    startedAt: '2026-01-01T00:00:00Z',
    resolvedAt: null,
    summary: 'support volume spike',
    examples: [
      {
        excerpt: 'Free <!channel> Du\u200Brov \u202Etxet',
        url: 'https://a.social/@x/1|<https://phish.example|login>',
        source: 'mastodon',
        createdAt: '2026-01-01T00:00:00Z',
      },
    ],
  };
  const slack = JSON.stringify(webhookBody('slack', alert, 'http://127.0.0.1:8080'));
  assert.ok(!slack.includes('<!channel>') && !slack.includes('<https://phish') && !/[\u200B\u202E]/.test(slack), slack);
  const am = JSON.stringify(webhookBody('alertmanager', alert, 'http://127.0.0.1:8080'));
  assert.ok(!/[\u200B\u202E]/.test(am) && !am.includes('<https://phish'), am);
  const generic = webhookBody(
    'generic',
    { ...alert, examples: [{ ...alert.examples[0]!, url: 'javascript:alert(1)' }] },
    'http://x',
  ) as { alert: Alert };
  assert.equal(generic.alert.examples[0]!.url, '');
});

test('relevance and fingerprints see through zero-width and bidi characters', () => {
  assert.equal(isRelevant('Free Du\u200Brov now'), true);
  assert.equal(isRelevant('Free D\u202Eu\u202Crov'), true);
  assert.equal(isRelevant('Дур\u2060ов арестован'), true);
  assert.equal(textFingerprint('Free Du\u200Brov now'), textFingerprint('Free Durov now'));
  assert.equal(textFingerprint('Free \uFEFFDurov\u200F now'), textFingerprint('Free Durov now'));
});

test('redaction: URL credentials always, configured secrets in every form they travel in', () => {
  assert.equal(
    redactUrlCredentials('GET https://user:pw@hf.example/x failed'),
    'GET https://[redacted]@hf.example/x failed',
  );
  assert.equal(redactUrlCredentials('redis://:s3cret@127.0.0.1:6379'), 'redis://[redacted]@127.0.0.1:6379');
  const r = createRedactor(['tok_CANARY_123', ...urlCredentials('https://alice:p%40ss-CANARY@hf.example/')]);
  assert.equal(r('Bearer tok_CANARY_123'), 'Bearer [redacted]');
  assert.equal(r(JSON.stringify({ echoed: 'tok_CANARY_123' })), '{"echoed":"[redacted]"}');
  assert.equal(r(`basic ${Buffer.from('alice:p@ss-CANARY').toString('base64')}`), 'basic [redacted]');
  assert.equal(r('password p@ss-CANARY and p%40ss-CANARY'), 'password [redacted] and [redacted]');
  assert.equal(r('nothing secret'), 'nothing secret');
});
