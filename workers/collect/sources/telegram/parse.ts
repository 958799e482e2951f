import { parse, type HTMLElement } from 'node-html-parser';
import type { Post } from '../../../../shared/post.ts';
import { pseudonymise } from '../../../../shared/pseudonym.ts';
import { htmlToText } from '../../../../shared/text/html.ts';
import { resolveLanguage } from '../../../../shared/text/language.ts';
import { MalformedPage } from '../page-parsing.ts';

/** One message of a public channel's web preview (t.me/s/<channel>). */
export interface ChannelMessage {
  id: number;
  text: string;
  date: string;
  views: number | null;
  forwardedFrom: string | null;
}

export interface ChannelPage {
  messages: ChannelMessage[];
  /** data-post values of messages that could not be read (no date, bad id). */
  malformed: string[];
  /** Largest and smallest message id on the page, malformed ones included: the cursor moves past them. */
  maxId: number | null;
  minId: number | null;
  /** `a.tme_messages_more[data-before]`, or the `<link rel="prev">` href's before=: where older messages start. */
  before: number | null;
}

/** "2.1K" → 2100, "3.4M" → 3400000, "987" → 987. */
export function parseViews(s: string | undefined): number | null {
  if (!s) return null;
  const m = /^\s*([\d.,]+)\s*([KMB]?)\s*$/i.exec(s);
  if (!m) return null;
  const n = Number(m[1]!.replace(',', '.'));
  const mult = { '': 1, K: 1e3, M: 1e6, B: 1e9 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'B'];
  return Number.isFinite(n) ? Math.round(n * mult) : null;
}

/** Parses the preview page with a real HTML parser. Service messages (joins, pins) are skipped. */
export function parseChannelPage(html: string, channel: string): ChannelPage {
  const root = parse(html);
  const history =
    root.querySelector('.tgme_channel_history') ?? root.querySelector('.tgme_widget_message_wrap')?.parentNode;
  if (!history && !root.querySelector('.tgme_channel_info'))
    throw new MalformedPage(`the page for ${channel} is not a channel preview`);
  const messages: ChannelMessage[] = [];
  const malformed: string[] = [];
  let maxId: number | null = null;
  let minId: number | null = null;
  for (const el of root.querySelectorAll('.tgme_widget_message[data-post]')) {
    const post = el.getAttribute('data-post') ?? '';
    const id = Number(post.split('/')[1]);
    if (!post.toLowerCase().startsWith(`${channel.toLowerCase()}/`) || !Number.isInteger(id) || id <= 0) {
      malformed.push(post || '(no data-post)');
      continue;
    }
    maxId = Math.max(maxId ?? id, id);
    minId = Math.min(minId ?? id, id);
    if (el.classList.contains('service_message')) continue;
    const message = readMessage(el, id);
    if (message === 'malformed') malformed.push(post);
    else if (message) messages.push(message);
  }
  const more = root.querySelector('a.tme_messages_more[data-before]')?.getAttribute('data-before');
  const prev = root.querySelector('link[rel="prev"]')?.getAttribute('href');
  const before = Number(more ?? (prev ? new URL(prev, 'https://t.me').searchParams.get('before') : NaN));
  return { messages, malformed, maxId, minId, before: Number.isInteger(before) && before > 0 ? before : null };
}

/**
 * What is whole of a page read from a body cut at the byte limit: messages come oldest first, each whole
 * before the next starts, so every message before the last one that starts in the body (`cutAt`, the one
 * the cut falls in, or just after) is whole. `cutAt` is null when no message starts in the body.
 */
export function wholePart(
  page: ChannelPage,
  html: string,
  channel: string,
): { page: ChannelPage; cutAt: number | null } {
  // The message elements' opening tags only: `div.tgme_widget_message[data-post]`, as parseChannelPage reads them.
  const ids = [...html.matchAll(/<div\b[^>]*>/g)]
    .map((tag) => ({ tag: tag[0], post: /\bdata-post="([^"/]+)\/(\d+)"/.exec(tag[0]) }))
    .filter(({ tag, post }) => post && /\bclass="(?:[^"]*\s)?tgme_widget_message(?:\s[^"]*)?"/.test(tag))
    .filter(({ post }) => post![1]!.toLowerCase() === channel.toLowerCase())
    .map(({ post }) => Number(post![2]));
  if (ids.length === 0)
    return { page: { ...page, messages: [], malformed: [], maxId: null, minId: null }, cutAt: null };
  const cutAt = ids.at(-1)!;
  const whole = ids.filter((id) => id < cutAt);
  return {
    page: {
      messages: page.messages.filter((m) => m.id < cutAt),
      malformed: page.malformed.filter((p) => Number(p.split('/')[1]) < cutAt),
      maxId: whole.length ? Math.max(...whole) : null,
      minId: whole.length ? Math.min(...whole) : null,
      before: page.before,
    },
    cutAt,
  };
}

function readMessage(el: HTMLElement, id: number): ChannelMessage | 'malformed' | null {
  const datetime = el.querySelector('a.tgme_widget_message_date time')?.getAttribute('datetime');
  if (!datetime || Number.isNaN(Date.parse(datetime))) return 'malformed';
  const textEl = el.querySelector('.tgme_widget_message_text');
  if (!textEl) return null; // media-only: nothing to judge
  return {
    id,
    text: htmlToText(textEl.innerHTML),
    date: new Date(datetime).toISOString(),
    views: parseViews(el.querySelector('.tgme_widget_message_views')?.text),
    forwardedFrom: el.querySelector('.tgme_widget_message_forwarded_from_name')?.text.trim() || null,
  };
}

export function messageToPost(m: ChannelMessage, channel: string, authorKey: string): Post {
  return {
    source: 'telegram',
    id: `${channel.toLowerCase()}/${m.id}`,
    url: `https://t.me/${channel}/${m.id}`,
    text: m.text,
    lang: resolveLanguage(m.text),
    createdAt: m.date,
    author: pseudonymise(authorKey, 'telegram', m.forwardedFrom ?? channel),
    engagement: { likes: 0, reposts: 0, replies: 0, ...(m.views !== null ? { views: m.views } : {}) },
  };
}
