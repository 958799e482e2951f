import { franc } from 'franc-min';

/**
 * ISO 639-3 → 639-1 for the languages we detect; anything else is reported as "und". Only languages whose
 * detection does not take posts away from the four main ones: adding Bulgarian or Belarusian, say, turns
 * short Russian and Ukrainian posts into them. Arabic, Persian, Chinese, Japanese, Korean and Greek have
 * scripts of their own, so they cost the others nothing.
 */
const DETECTABLE: Record<string, string> = {
  eng: 'en',
  rus: 'ru',
  fra: 'fr',
  ukr: 'uk',
  deu: 'de',
  spa: 'es',
  ita: 'it',
  por: 'pt',
  pol: 'pl',
  tur: 'tr',
  arb: 'ar',
  pes: 'fa',
  cmn: 'zh',
  jpn: 'ja',
  kor: 'ko',
  ell: 'el',
};
const ONLY = Object.keys(DETECTABLE);

/**
 * Scripts that name one language here, for what franc-min cannot tell (it has no Hebrew, Georgian or
 * Armenian) or will not try (posts shorter than its minimum, which in these scripts can be a full sentence).
 * Checked in order: kana before Han, because Japanese mixes both.
 */
const SCRIPTS: Array<[RegExp, string]> = [
  [/\p{Script=Hebrew}/gu, 'he'],
  [/\p{Script=Georgian}/gu, 'ka'],
  [/\p{Script=Armenian}/gu, 'hy'],
  [/\p{Script=Greek}/gu, 'el'],
  [/\p{Script=Hangul}/gu, 'ko'],
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/gu, 'ja'],
  [/\p{Script=Han}/gu, 'zh'],
];

/**
 * The language of a post: the platform's own tag when it gives a plausible one, otherwise detected with
 * franc (trigram language identification), then by script. Always a short, bounded code, because it
 * becomes a Redis field.
 */
export function resolveLanguage(text: string, declared?: string | null): string {
  if (declared) {
    const base = declared.toLowerCase().split(/[-_]/)[0] ?? '';
    if (/^[a-z]{2,3}$/.test(base)) return base;
  }
  const guess = DETECTABLE[franc(text, { only: ONLY, minLength: 12 })];
  if (guess) return guess;
  const letters = text.replace(/[^\p{L}]/gu, '');
  // A script decides only when it is most of the letters: a Latin post quoting one Greek word stays undetected.
  for (const [script, lang] of SCRIPTS) {
    const matched = letters.match(script)?.length ?? 0;
    if (matched >= 2 && matched * 2 >= letters.length) return lang;
  }
  return 'und';
}
