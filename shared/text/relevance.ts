import { stripInvisible } from './invisible.ts';

/**
 * Decides whether a post is about the Durov case. Pure: no I/O, unit-tested.
 *
 * A post is relevant when it names Durov (any script, any case ending) or uses a case hashtag, or when
 * it mentions Telegram together with a term of the arrest/charges. Telegram alone is not enough: most
 * posts that mention Telegram are about something else.
 */
export interface RelevanceRules {
  /** Any of these (as a word stem) makes a post relevant on its own. */
  names: string[];
  /** Platform words that need a case term beside them. */
  platform: string[];
  /** Terms of the case (arrest, charges, judge …) in en, ru, fr, uk and the other languages of the discussion. */
  caseTerms: string[];
}

export const DEFAULT_RELEVANCE: RelevanceRules = {
  names: [
    'durov',
    'дуров',
    'freedurov',
    'свободудурову',
    'pavel durov',
    'павел дуров',
    'павло дуров',
    // Other spellings and scripts: Polish, Belarusian, Greek, Arabic and Persian, Hebrew, Chinese (simplified,
    // traditional, Taiwanese), Japanese, Korean, Georgian, Armenian, Hindi, Thai.
    'durow',
    'дураў',
    'дурав',
    'ντούροφ',
    'ντουροφ',
    'دوروف',
    'דורוב',
    '杜罗夫',
    '杜羅夫',
    '杜洛夫',
    'ドゥーロフ',
    'ドゥロフ',
    'デュロフ',
    '두로프',
    'დუროვ',
    'դուրով',
    'ड्यूरोव',
    'दुरोव',
    'ดูรอฟ',
  ],
  platform: [
    'telegram',
    'телеграм',
    'телеграмм',
    'télégram',
    'τέλεγκραμ',
    'تيليجرام',
    'تلغرام',
    'تليغرام',
    'تيليغرام',
    'تيلغرام',
    'تلجرام',
    'تلگرام',
    'טלגרם',
    '电报',
    '電報',
    'テレグラム',
    '텔레그램',
    'ტელეგრამ',
    'տելեգրամ',
    'टेलीग्राम',
    'เทเลแกรม',
  ],
  caseTerms: [
    // en
    'arrest',
    'detain',
    'charged',
    'charges',
    'judge',
    'bail',
    'le bourget',
    'indict',
    'custody',
    'prosecut',
    // fr
    'arrestation',
    'interpell',
    'garde à vue',
    'mis en examen',
    'mise en examen',
    'juge',
    'caution',
    'parquet',
    // ru
    'арест',
    'задерж',
    'обвинен',
    'обвиня',
    'суд',
    'залог',
    'франци',
    'прокурат',
    // uk
    'затрим',
    'звинуваче',
    'застав',
    'франці',
    'прокурор',
    // de, es, it, pt, tr, pl
    'festgenommen',
    'festnahme',
    'verhaft',
    'angeklagt',
    'anklage',
    'haftbefehl',
    'kaution',
    'richter',
    'arresto',
    'arrestado',
    'detenido',
    'detención',
    'imputado',
    'acusado',
    'cargos',
    'fianza',
    'juez',
    'arrestato',
    'fermato',
    'accusato',
    'cauzione',
    'giudice',
    'procura',
    'preso',
    'prisão',
    'detido',
    'detenção',
    'acusaç',
    'fiança',
    'juiz',
    'gözaltı',
    'tutuklan',
    'tutuklama',
    'suçlama',
    'kefalet',
    'hakim',
    'yargıç',
    'savcı',
    'zatrzyma',
    'aresztowa',
    'zarzut',
    'kaucj',
    'sędzi',
    'prokurat',
    // ar, fa, he, el
    'اعتقال',
    'اعتقل',
    'احتجاز',
    'توقيف',
    'القبض',
    'اتهام',
    'كفالة',
    'قاضي',
    'بازداشت',
    'دستگیر',
    'وثیقه',
    'قاضی',
    'מעצר',
    'נעצר',
    'אישום',
    'ערבות',
    'שופט',
    'σύλληψ',
    'συνελήφθ',
    'κράτησ',
    'κατηγορ',
    'εγγύησ',
    'δικαστ',
    // zh, ja, ko, ka, hy, hi
    '逮捕',
    '被捕',
    '拘留',
    '羁押',
    '羈押',
    '起诉',
    '起訴',
    '指控',
    '保释',
    '保釋',
    '法官',
    '拘束',
    '保釈',
    '容疑',
    '체포',
    '구금',
    '기소',
    '보석',
    '혐의',
    'დააკავ',
    'დაკავებ',
    'ბრალ',
    'ձերբակալ',
    'մեղադր',
    'गिरफ्तार',
    'हिरासत',
    'आरोप',
  ],
};

function normalise(text: string): string {
  // NFKC folds look-alike forms; lower-casing is locale-free so Cyrillic and Latin behave the same.
  // Zero-width and bidi characters go first: "Du\u200Brov" is "Durov" to a reader, so it is to us.
  return stripInvisible(text).normalize('NFKC').toLowerCase().replace(/[#@]/g, ' ').replace(/\s+/g, ' ');
}

// Scripts written without spaces between words (Han, kana, Thai), and scripts that write prepositions and
// articles onto the next word (Arabic "ودوروف", Hebrew "לדורוב"), have no useful word start: stems in them
// match anywhere.
const NO_WORD_START =
  /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Arabic}\p{Script=Hebrew}]/u;

function containsStem(haystack: string, stem: string): boolean {
  if (NO_WORD_START.test(stem)) return haystack.includes(stem);
  // A stem must start at a word boundary; Unicode-aware, so "дурову" matches "дуров" but "продуров" does not.
  let from = 0;
  for (;;) {
    const i = haystack.indexOf(stem, from);
    if (i < 0) return false;
    const before = i === 0 ? ' ' : haystack[i - 1]!;
    if (!/[\p{L}\p{N}]/u.test(before)) return true;
    from = i + 1;
  }
}

export function isRelevant(text: string, rules: RelevanceRules = DEFAULT_RELEVANCE): boolean {
  const t = normalise(text);
  if (rules.names.some((n) => containsStem(t, normalise(n)))) return true;
  return rules.platform.some((p) => containsStem(t, p)) && rules.caseTerms.some((c) => containsStem(t, c));
}
