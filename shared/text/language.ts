import { franc } from 'franc-min';

/** ISO 639-3 → 639-1 for the languages we detect; anything else is reported as "und". */
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
};
const ONLY = Object.keys(DETECTABLE);

/**
 * The language of a post: the platform's own tag when it gives a plausible one, otherwise detected with
 * franc (trigram language identification). Always a short, bounded code, because it becomes a Redis field.
 */
export function resolveLanguage(text: string, declared?: string | null): string {
  if (declared) {
    const base = declared.toLowerCase().split(/[-_]/)[0] ?? '';
    if (/^[a-z]{2,3}$/.test(base)) return base;
  }
  const guess = franc(text, { only: ONLY, minLength: 12 });
  return DETECTABLE[guess] ?? 'und';
}
