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
  /** Terms of the case (arrest, charges, judge …) in en, ru, fr, uk. */
  caseTerms: string[];
}

export const DEFAULT_RELEVANCE: RelevanceRules = {
  names: ['durov', 'дуров', 'freedurov', 'свободудурову', 'pavel durov', 'павел дуров', 'павло дуров'],
  platform: ['telegram', 'телеграм', 'телеграмм', 'télégram'],
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
  ],
};

function normalise(text: string): string {
  // NFKC folds look-alike forms; lower-casing is locale-free so Cyrillic and Latin behave the same.
  return text.normalize('NFKC').toLowerCase().replace(/[#@]/g, ' ').replace(/\s+/g, ' ');
}

function containsStem(haystack: string, stem: string): boolean {
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
