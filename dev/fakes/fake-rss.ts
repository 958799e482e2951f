import type { ServerResponse } from 'node:http';
import { FakeHttpServer, type RecordedRequest } from './http-server.ts';

export interface FakeNewsItem {
  title: string;
  descriptionHtml: string;
  link: string;
  guid: string;
  date: Date;
  outlet: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * News feeds as aggregators serve them. Imitates (reference: /work/shared/reference/real-services-2026.md,
 * "Google News RSS"):
 * - RSS 2.0 at /rss (Google News style: guid, RFC 822 pubDate, escaped HTML description, source@url) and Atom
 *   at /atom (id, link@href, published, author/name);
 * - Google News search at /rss/search?q=…: about 100 items ordered by relevance (not date), often weeks old,
 *   no paging; `when:1d` in the query keeps only the last day's items. `relevance` orders the items.
 * - /rss and /atom serve the items in the order they were added (add the newest first, as feeds list them),
 *   one document however large: a feed has no paging and no page size.
 */
export class FakeRss extends FakeHttpServer {
  readonly items: FakeNewsItem[] = [];
  language = 'en-US';
  /** Search ranking: a stable shuffle standing in for relevance (not date order). */
  relevance = (i: FakeNewsItem) => (Number(i.guid.replace(/\D/g, '')) * 7_919) % 101;
  clock: () => number = Date.now;

  add(title: string, descriptionHtml: string, date: Date, outlet = 'Example News'): FakeNewsItem {
    const n = this.items.length + 1;
    const item = {
      title,
      descriptionHtml,
      date,
      outlet,
      link: `https://news.example.org/articles/${n}`,
      guid: `CBMi${n}durov`,
    };
    this.items.push(item);
    return item;
  }

  protected respond(req: RecordedRequest, res: ServerResponse): void {
    const u = new URL(req.url, this.url);
    const path = u.pathname;
    if (path === '/rss' || path === '/rss/search') {
      let list = this.items;
      if (path === '/rss/search') {
        const q = u.searchParams.get('q') ?? '';
        const dayOnly = /\bwhen:1d\b/.test(q);
        list = list
          .filter((i) => !dayOnly || i.date.getTime() >= this.clock() - 86_400_000)
          .sort((a, b) => this.relevance(a) - this.relevance(b))
          .slice(0, 100);
      }
      const items = list
        .map(
          (i) =>
            `<item><title>${esc(`${i.title} - ${i.outlet}`)}</title><link>${i.link}</link><guid isPermaLink="false">${i.guid}</guid><pubDate>${i.date.toUTCString()}</pubDate><description>${esc(`${i.descriptionHtml}&nbsp;&nbsp;<font color="#6f6f6f">${i.outlet}</font>`)}</description><source url="https://${i.outlet.toLowerCase().replace(/\s/g, '')}.example">${esc(i.outlet)}</source></item>`,
        )
        .join('');
      res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><generator>NFE/5.0</generator><title>"Durov" - Google News</title><link>https://news.google.com/search?q=Durov</link><language>${this.language}</language><webMaster>news-webmaster@google.com</webMaster><copyright>2026 Google Inc.</copyright><lastBuildDate>${new Date().toUTCString()}</lastBuildDate><description>Google News</description>${items}</channel></rss>`,
      );
      return;
    }
    if (path === '/atom') {
      const entries = this.items
        .map(
          (i) =>
            `<entry><id>tag:news.example.org,2024:${i.guid}</id><title type="html">${esc(i.title)}</title><link rel="alternate" href="${i.link}"/><published>${i.date.toISOString()}</published><updated>${i.date.toISOString()}</updated><author><name>${esc(i.outlet)}</name></author><summary type="html">${esc(i.descriptionHtml)}</summary></entry>`,
        )
        .join('');
      res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' });
      res.end(
        `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr"><id>tag:news.example.org,2024:feed</id><title>Affaire Durov</title><updated>${new Date().toISOString()}</updated>${entries}</feed>`,
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<html><body>Not found</body></html>');
  }
}
