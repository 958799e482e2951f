/**
 * The only way this page makes elements. Children that are strings become text nodes, so post text (untrusted)
 * can never become markup; there is no innerHTML anywhere.
 */
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return el;
}

/** A link to a post's original, or plain text when the URL is not http(s) (a javascript: URL in a post must stay inert). */
export function safeLink(url: string, text: string): HTMLElement {
  let ok = false;
  try {
    const u = new URL(url);
    ok = u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    ok = false;
  }
  return ok
    ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer nofollow' }, text)
    : h('span', { class: 'muted' }, text);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

export const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
export const signed = (x: number | null, digits = 1, scale = 1, unit = '') =>
  x === null ? '–' : `${x * scale >= 0 ? '+' : '−'}${Math.abs(x * scale).toFixed(digits)}${unit}`;
export const utc = (iso: string) => iso.slice(0, 16).replace('T', ' ');
