import type { TokenKind } from '../lists.ts';
import { ARGUMENTS } from './arguments.ts';
import { STOPWORDS, TOPIC_STEMS } from './stopwords.ts';

/**
 * What a post is counted under when we ask what drove a window: its words, hashtags, linked domains and
 * argument categories. Pure. Each token is prefixed with its kind so one hash can hold all four:
 * `w:` word, `#` hashtag, `d:` domain, `a:` argument. Tokens are returned once per post (presence, not
 * frequency), so one long or repetitive post cannot outweigh many short ones.
 */
const URL_RE = /\bhttps?:\/\/[^\s<>"'()]+/giu;
const HASHTAG_RE = /#([\p{L}\p{N}_]{2,64})/gu;
const WORD_RE = /[\p{L}][\p{L}\p{M}'’-]*[\p{L}]|\p{L}{2}/gu;
/** Tokens per post at most: a wall of text counts like a post, not like a page. */
const MAX_TOKENS = 60;

export function tokensOf(text: string): string[] {
  const out = new Set<string>();
  const t = text.normalize('NFKC');
  for (const m of t.matchAll(URL_RE)) {
    const host = hostOf(m[0]);
    if (host) out.add(`d:${host}`);
  }
  const rest = t.replace(URL_RE, ' ');
  for (const m of rest.matchAll(HASHTAG_RE)) out.add(`#${m[1]!.toLowerCase()}`);
  const lower = rest.replace(HASHTAG_RE, ' ').toLowerCase();
  for (const [name, re] of Object.entries(ARGUMENTS)) if (re.test(lower)) out.add(`a:${name}`);
  for (const m of lower.matchAll(WORD_RE)) {
    // Elisions and possessives ("l'arrestation", "durov's") count as the word they are attached to.
    const w = m[0]
      .replace(/^[a-zà-ÿ]{1,2}['’]/u, '')
      .replace(/['’]s?$/u, '')
      .replace(/^-+|-+$/g, '');
    if (w.length < 3 || STOPWORDS.has(w) || TOPIC_STEMS.test(w) || /^\d+$/.test(w)) continue;
    out.add(`w:${w}`);
    if (out.size >= MAX_TOKENS) break;
  }
  return [...out].slice(0, MAX_TOKENS);
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase().replace(/^www\./, '') || undefined;
  } catch {
    return undefined;
  }
}

export function tokenKind(token: string): TokenKind {
  return token.startsWith('#')
    ? 'hashtag'
    : token.startsWith('d:')
      ? 'domain'
      : token.startsWith('a:')
        ? 'argument'
        : 'word';
}

/** The token as a reader sees it: the word, `#tag`, the domain, or the argument's name. */
export function tokenLabel(token: string): string {
  return token.startsWith('#') ? token : token.slice(2);
}
