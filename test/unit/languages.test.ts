import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveLanguage } from '../../shared/text/language.ts';
import { isRelevant } from '../../shared/text/relevance.ts';
import { LinearScorer } from '../../workers/score/builtin-linear.ts';

/**
 * The discussion of the case is not only in en/ru/fr/uk. A news sentence in each other language must be
 * recognised as about the case (by Durov's name in its script, or Telegram with a term of the case), get
 * its language, and be scored without a confidence the model has no evidence for.
 */
const NEWS: Array<[lang: string, text: string]> = [
  ['de', 'Telegram-Gründer Pavel Durov wurde in Frankreich festgenommen, die Justiz wirft ihm Beihilfe vor.'],
  ['es', 'El fundador de Telegram, Pável Dúrov, fue detenido en Francia y será interrogado por un juez.'],
  ['it', 'Il fondatore di Telegram Pavel Durov è stato fermato in Francia e interrogato dal giudice.'],
  ['pt', 'O fundador do Telegram, Pavel Durov, foi detido na França e será ouvido por um juiz.'],
  ['tr', "Telegram'ın kurucusu Pavel Durov Fransa'da gözaltına alındı ve hakim karşısına çıkacak."],
  ['pl', 'Założyciel Telegrama Paweł Durow został zatrzymany we Francji i przesłuchany przez sędziego.'],
  ['ar', 'اعتقلت السلطات الفرنسية مؤسس تيليجرام بافيل دوروف في مطار لوبورجيه قرب باريس.'],
  ['fa', 'پاول دوروف، بنیان‌گذار تلگرام، در فرانسه بازداشت شد و روز چهارشنبه به دادگاه رفت.'],
  ['zh', 'Telegram创始人杜罗夫在法国被捕，法官将于周三对他进行问询。'],
  ['ja', 'テレグラムの創業者ドゥーロフ氏がフランスで逮捕され、水曜日に裁判官の聴取を受けた。'],
  ['ko', '텔레그램 창업자 파벨 두로프가 프랑스에서 체포되어 수요일에 판사 앞에 섰다.'],
  ['he', 'מייסד טלגרם פאבל דורוב נעצר בצרפת ויופיע בפני שופט ביום רביעי.'],
  ['el', 'Ο ιδρυτής του Telegram Παβέλ Ντούροφ συνελήφθη στη Γαλλία και θα εμφανιστεί την Τετάρτη ενώπιον δικαστή.'],
  ['ka', 'ტელეგრამის დამფუძნებელი პაველ დუროვი საფრანგეთში დააკავეს.'],
  ['hy', 'Տելեգրամի հիմնադիր Պավել Դուրովը ձերբակալվել է Ֆրանսիայում։'],
];

test('relevance: Durov and Telegram in other languages and scripts, names with attached prefixes and particles', () => {
  for (const [lang, text] of NEWS) assert.ok(isRelevant(text), `${lang}: ${text}`);
  const names = [
    'Ντούροφ',
    'Ντουροφ',
    'دوروف',
    'ودوروف',
    'پاول دوروف',
    'דורוב',
    'לדורוב',
    '杜罗夫',
    '杜羅夫',
    '杜洛夫',
    'ドゥーロフ氏',
    '두로프가',
    'დუროვი',
    'Դուրովը',
    'Paweł Durow',
    'Durowa zatrzymano',
    "Durov'un avukatı",
    'Дураў',
    'Паўла Дурава',
    'ड्यूरोव',
  ];
  for (const n of names) assert.ok(isRelevant(n), n);
  const platformAndCase = [
    'Telegram-Chef in Paris festgenommen',
    'Telegram: il fondatore arrestato',
    'تلگرام: بازداشت مدیرعامل',
    'טלגרם: מעצר המייסד',
    '电报创始人被捕',
    'テレグラム創業者を逮捕',
    '텔레그램 창업자 체포',
  ];
  for (const t of platformAndCase) assert.ok(isRelevant(t), t);
  // Telegram without the case, and look-alike words, are still not enough.
  const no = [
    'Telegram ha aggiunto nuovi sticker',
    'تيليجرام يضيف ميزة جديدة',
    'テレグラムの新機能',
    'Produrowany film',
    'Продуров — не слово',
  ];
  for (const t of no) assert.ok(!isRelevant(t), t);
});

test('language: franc for the languages it knows, the script for Hebrew, Georgian and Armenian and for short CJK posts', () => {
  for (const [lang, text] of NEWS) assert.equal(resolveLanguage(text, null), lang, text);
  assert.equal(
    resolveLanguage('杜罗夫被捕', null),
    'zh',
    'too short for franc, but only Chinese is written in Han alone',
  );
  assert.equal(resolveLanguage('ドゥーロフ逮捕', null), 'ja', 'kana make it Japanese');
  assert.equal(resolveLanguage('두로프 체포', null), 'ko');
  assert.equal(resolveLanguage('Free Durov — Ντούροφ', null), 'en', 'a word in another script does not decide');
  // The four main languages are not taken away by the new ones.
  assert.equal(resolveLanguage('Свобода слова важнее всего, Дурова надо отпустить немедленно', null), 'ru');
  assert.equal(resolveLanguage('Свобода слова понад усе, Дурова треба негайно відпустити', null), 'uk');
});

test('scoring: news in any language gets no confident side; a script the model never saw is neutral', () => {
  const scorer = new LinearScorer();
  for (const [lang, text] of NEWS) {
    const r = scorer.scoreText(text);
    assert.ok(Math.abs(r.score) < 0.3, `${lang}: score ${r.score}`);
    assert.ok(r.confidence < 0.8, `${lang}: confidence ${r.confidence}`);
    // Shared Latin n-grams are some evidence, so a Polish or Turkish post may get a side, but only a weak one.
    if (r.stance !== 'neutral') assert.ok(r.confidence < 0.5, `${lang}: ${JSON.stringify(r)}`);
  }
  // Scripts without training data carry no evidence: neutral, and no more confident than on an empty post.
  const empty = scorer.scoreText('');
  assert.equal(empty.stance, 'neutral');
  for (const [lang, text] of NEWS.filter(([l]) => ['ar', 'fa', 'ja', 'ko', 'he', 'ka', 'hy'].includes(l))) {
    const r = scorer.scoreText(text);
    assert.equal(r.stance, 'neutral', `${lang}: ${JSON.stringify(r)}`);
    assert.ok(r.confidence < empty.confidence + 0.1, `${lang}: confidence ${r.confidence}`);
  }
});
