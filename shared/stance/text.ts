/**
 * Text preparation for the linear stance model. Pure and shared by training and scoring, so a post is
 * seen the same way in both.
 */

// Invisible characters are removed, not turned into spaces: a zero-width space inside "Du\u200Brov" is an
// evasion or an artefact, and the word must still hash as "durov". Covers soft hyphen, combining grapheme
// joiner, Arabic letter mark, Hangul fillers, Mongolian vowel separators, zero-width and bidi controls,
// word joiners and invisible operators, variation selectors and the BOM. The class lists code points, not
// characters, so combining ones in it are intended:
const INVISIBLE =
  // eslint-disable-next-line no-misleading-character-class
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]/g;
// Links say where a post points, not what its author thinks, and their random paths would only add noise.
const URLS = /(?:https?:\/\/|www\.)\S+/gi;
const APOSTROPHES = /[\u2018\u2019\u02BC\u00B4`]/g;

/** NFKC, lower case, without invisible characters or links; "ё" folded into "е" as most Russian writers do. */
export function normaliseText(text: string): string {
  return text
    .replace(INVISIBLE, '')
    .normalize('NFKC')
    .replace(URLS, ' ')
    .toLowerCase()
    .replace(APOSTROPHES, "'")
    .replace(/ё/g, 'е');
}

/** The form the lexicon's cues were written against (see workers/score/builtin.ts): hashtags and underscores split words. */
export function cueText(normalised: string): string {
  return normalised.replace(/[#_]/g, ' ').replace(/\s+/g, ' ');
}

/**
 * 1 for code units that belong to a word (letters, marks, digits), 0 otherwise. A table built once replaces
 * a Unicode regex test per character in the hot loop. Surrogates count as separators: astral code points
 * are mostly emoji, and the rare astral letters are not worth a slower path.
 */
export const WORD_CHAR: Uint8Array = (() => {
  const table = new Uint8Array(0x10000);
  const word = /[\p{L}\p{M}\p{N}]/u;
  for (let c = 0; c < 0x10000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (word.test(String.fromCharCode(c))) table[c] = 1;
  }
  return table;
})();
