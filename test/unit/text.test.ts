import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pseudonymise } from '../../shared/pseudonym.ts';
import { htmlToText } from '../../shared/text/html.ts';
import { resolveLanguage } from '../../shared/text/language.ts';
import { isRelevant } from '../../shared/text/relevance.ts';

test('Mastodon HTML becomes plain text: entities decoded, links and hashtags kept as text, tags and scripts gone', () => {
  const html =
    '<p>Free <a href="https://m.s/tags/durov" class="mention hashtag" rel="tag">#<span>Durov</span></a> &amp; privacy&#39;s sake</p><p>line two<br>line three</p><script>alert(1)</script>';
  assert.equal(htmlToText(html), "Free #Durov & privacy's sake\nline two\nline three");
});

test('hostile markup never survives as markup', () => {
  const text = htmlToText('<img src=x onerror="alert(1)"><p>hi <b onclick="x()">there</b></p><style>p{}</style>');
  assert.equal(text, 'hi there');
});

test('relevance: Durov in any script or case ending, or Telegram with a case term', () => {
  const yes = [
    'Free Durov now',
    '#FreeDurov',
    'Свободу Дурову!',
    'Арест Дурова — позор',
    'Павло Дуров затриманий',
    "L'arrestation de Durov à Paris",
    'Telegram founder arrested at Le Bourget',
    'Телеграм: основателя задержали во Франции',
    '#СвободуДурову',
  ];
  const no = [
    'Telegram update adds stickers',
    'Nice weather in Paris',
    'Продуров — не слово',
    'arrested development is a good show',
  ];
  for (const t of yes) assert.ok(isRelevant(t), t);
  for (const t of no) assert.ok(!isRelevant(t), t);
});

test('language: the platform tag wins when plausible, detection otherwise', () => {
  assert.equal(resolveLanguage('whatever', 'en-GB'), 'en');
  assert.equal(resolveLanguage('Свобода слова понад усе, Дурова треба негайно відпустити', null), 'uk');
  assert.equal(resolveLanguage('Свобода слова важнее всего, Дурова надо отпустить немедленно', null), 'ru');
  assert.equal(resolveLanguage("La liberté d'expression est attaquée avec cette arrestation", undefined), 'fr');
  assert.equal(resolveLanguage('ok', null), 'und');
  // An implausible platform tag is ignored, and a text too short to detect stays unknown.
  assert.equal(resolveLanguage('text', 'not a language!'), 'und');
});

test('pseudonyms are stable, keyed and case-insensitive in the handle', () => {
  const a = pseudonymise('k1', 'mastodon', 'Alice@example.org');
  assert.equal(a, pseudonymise('k1', 'mastodon', 'alice@example.org'));
  assert.notEqual(a, pseudonymise('k2', 'mastodon', 'alice@example.org'));
  assert.ok(!a.toLowerCase().includes('alice'));
  assert.equal(a.length, 16);
});

test('fingerprints ignore links, mentions, case, punctuation and repost markers, not the words', async () => {
  const { textFingerprint } = await import('../../shared/text/fingerprint.ts');
  const a = textFingerprint('Free Durov! https://t.me/durov/300 @someone');
  assert.equal(a, textFingerprint('RT: free   durov https://bsky.app/x'));
  assert.equal(a, textFingerprint('FREE DUROV'));
  assert.notEqual(a, textFingerprint('Free Durov now'));
  assert.notEqual(textFingerprint('Свободу Дурову'), textFingerprint('Свободу Дурова'));
});
