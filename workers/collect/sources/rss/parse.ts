import { XMLParser } from 'fast-xml-parser';
import type { Post } from '../../../../shared/post.ts';
import { pseudonymise } from '../../../../shared/pseudonym.ts';
import { normaliseForFingerprint } from '../../../../shared/text/fingerprint.ts';
import { htmlToText } from '../../../../shared/text/html.ts';
import { resolveLanguage } from '../../../../shared/text/language.ts';
import { MalformedPage } from '../page-parsing.ts';

/** One item of an RSS 2.0 or Atom feed, in the shape both share. */
export interface FeedItem {
  id: string;
  title: string;
  summary: string;
  link: string;
  published: string;
  author: string | null;
  sourceName: string | null;
}

export interface ParsedFeed {
  items: FeedItem[];
  malformed: string[];
  language: string | null;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  // Entities in feeds are decoded by the parser; HTML inside descriptions is handled by htmlToText later.
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => ['item', 'entry', 'link', 'category'].includes(name),
});

const text = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (typeof v === 'object' && '#text' in (v as object)) return String((v as { '#text': unknown })['#text'] ?? '');
  return '';
};

/**
 * A feed document cut at the byte limit, made whole again: everything up to the end of its last complete
 * item (`</item>` or `</entry>`), with the channel and feed closed after it. Null when no item ends in it.
 * Items come whole one after another, so the ones before the cut are exactly as the feed sent them.
 */
export function closeCutFeed(xml: string): string | null {
  const item = xml.lastIndexOf('</item>');
  const entry = xml.lastIndexOf('</entry>');
  if (item < 0 && entry < 0) return null;
  return item > entry
    ? `${xml.slice(0, item + '</item>'.length)}</channel></rss>`
    : `${xml.slice(0, entry + '</entry>'.length)}</feed>`;
}

/** Parses RSS 2.0 (`rss > channel > item`) or Atom (`feed > entry`) with a real XML parser. */
export function parseFeed(xml: string): ParsedFeed {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml, true) as Record<string, unknown>;
  } catch (err) {
    throw new MalformedPage(`not well-formed XML: ${(err as Error).message.split('\n')[0]}`);
  }
  const rss = doc.rss as { channel?: Record<string, unknown> } | undefined;
  const atom = doc.feed as Record<string, unknown> | undefined;
  if (rss?.channel) return fromRss(rss.channel);
  if (atom) return fromAtom(atom);
  throw new MalformedPage('neither an RSS channel nor an Atom feed');
}

function fromRss(channel: Record<string, unknown>): ParsedFeed {
  const items: FeedItem[] = [];
  const malformed: string[] = [];
  for (const [i, raw] of ((channel.item as Array<Record<string, unknown>> | undefined) ?? []).entries()) {
    const link = text((raw.link as unknown[] | undefined)?.[0]);
    const id = text(raw.guid) || link;
    const published = text(raw.pubDate) || text(raw['dc:date']);
    if (!id || !published || Number.isNaN(Date.parse(published))) {
      malformed.push(id || `#${i}`);
      continue;
    }
    const source = raw.source as { '#text'?: unknown } | string | undefined;
    items.push({
      id,
      title: htmlToText(text(raw.title)),
      summary: htmlToText(text(raw.description)),
      link: link || id,
      published: new Date(published).toISOString(),
      author: text(raw.author) || text(raw['dc:creator']) || null,
      sourceName: text(source) || null,
    });
  }
  return { items, malformed, language: text(channel.language) || null };
}

function fromAtom(feed: Record<string, unknown>): ParsedFeed {
  const items: FeedItem[] = [];
  const malformed: string[] = [];
  for (const [i, raw] of ((feed.entry as Array<Record<string, unknown>> | undefined) ?? []).entries()) {
    const links = (raw.link as Array<Record<string, unknown>> | undefined) ?? [];
    const alternate = links.find((l) => !l['@rel'] || l['@rel'] === 'alternate') ?? links[0];
    const id = text(raw.id);
    const published = text(raw.published) || text(raw.updated);
    if (!id || !published || Number.isNaN(Date.parse(published))) {
      malformed.push(id || `#${i}`);
      continue;
    }
    items.push({
      id,
      title: htmlToText(text(raw.title)),
      summary: htmlToText(text(raw.summary) || text(raw.content)),
      link: String(alternate?.['@href'] ?? id),
      published: new Date(published).toISOString(),
      author: text((raw.author as Record<string, unknown> | undefined)?.name) || null,
      sourceName: null,
    });
  }
  return { items, malformed, language: text(feed['@xml:lang']) || null };
}

export function itemToPost(item: FeedItem, feedLanguage: string | null, authorKey: string): Post {
  // Aggregators repeat the title in the description (a link with the title, then the outlet): say it once.
  const t = normaliseForFingerprint(item.title);
  const s = normaliseForFingerprint(item.summary);
  const repeats = s.length === 0 || t.includes(s) || s.includes(t);
  const body = repeats
    ? item.title.length >= item.summary.length
      ? item.title
      : item.summary
    : `${item.title}\n${item.summary}`;
  return {
    source: 'rss',
    id: item.id,
    url: item.link,
    text: body,
    lang: resolveLanguage(body, feedLanguage),
    createdAt: item.published,
    author: pseudonymise(
      authorKey,
      'rss',
      item.sourceName ?? item.author ?? new URL(item.link, 'https://unknown.invalid').host,
    ),
    engagement: { likes: 0, reposts: 0, replies: 0 },
  };
}
