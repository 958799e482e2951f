import type { ServerResponse } from 'node:http';
import { FakeHttpServer, type RecordedRequest } from './http-server.ts';

export interface FakeMessage {
  id: number;
  /** Inner HTML of div.tgme_widget_message_text; null for a media-only post. */
  html: string | null;
  date: Date;
  views: string;
  service?: boolean;
  forwardedFrom?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * t.me's public channel preview: `/s/<channel>` with `?after=` and `?before=`, 20 messages a page in
 * ascending order, the markup and classes of the real page, a "more" link (which can be left out, as the
 * real one sometimes is), and a redirect away from /s/ for channels without a public preview. Like the real
 * page it has no page-size parameter: a page is as large as its messages make it, each message's markup
 * whole before the next one starts.
 */
export class FakeTelegram extends FakeHttpServer {
  readonly channels = new Map<string, FakeMessage[]>();
  readonly noPreview = new Set<string>();
  dropMoreLink = false;

  add(channel: string, html: string | null, date: Date, extra: Partial<FakeMessage> = {}): FakeMessage {
    const list = this.channels.get(channel) ?? [];
    const m: FakeMessage = { id: (list.at(-1)?.id ?? 100) + 1, html, date, views: '1.2K', ...extra };
    list.push(m);
    this.channels.set(channel, list);
    return m;
  }

  protected respond(req: RecordedRequest, res: ServerResponse): void {
    const u = new URL(req.url, this.url);
    const m = /^\/s\/([A-Za-z0-9_]+)$/.exec(u.pathname);
    if (!m) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<html><head><meta property="og:title" content="Telegram"></head><body><div class="tgme_page">Contact</div></body></html>',
      );
      return;
    }
    const channel = m[1]!;
    if (this.noPreview.has(channel) || !this.channels.has(channel)) {
      res.writeHead(302, { location: `/${channel}` });
      res.end();
      return;
    }
    const all = this.channels.get(channel)!;
    const after = u.searchParams.get('after');
    const before = u.searchParams.get('before');
    let page: FakeMessage[];
    if (after) {
      page = all.filter((x) => x.id > Number(after)).slice(0, 20);
      if (page.length === 0) page = all.slice(-20);
    } else if (before) {
      page = all.filter((x) => x.id < Number(before)).slice(-20);
    } else {
      page = all.slice(-20);
    }
    const older = page.length > 0 && all[0]!.id < page[0]!.id;
    const more =
      older && !this.dropMoreLink
        ? `<a class="tme_messages_more js-messages_more" data-before="${page[0]!.id}" href="/s/${channel}?before=${page[0]!.id}"></a>`
        : '';
    const body = page.map((x) => this.message(channel, x)).join('\n');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(channel)} – Telegram</title>${older && !this.dropMoreLink ? `<link rel="prev" href="/s/${channel}?before=${page[0]!.id}">` : ''}</head>
<body><div class="tgme_channel_info"><div class="tgme_channel_info_header_title"><span dir="auto">${esc(channel)}</span></div></div>
<main class="tgme_main"><section class="tgme_channel_history js-message_history">${more}
${body}
</section></main></body></html>`);
  }

  private message(channel: string, x: FakeMessage): string {
    const fwd = x.forwardedFrom
      ? `<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from <a class="tgme_widget_message_forwarded_from_name" href="https://t.me/${esc(x.forwardedFrom)}"><span dir="auto">${esc(x.forwardedFrom)}</span></a></div>`
      : '';
    const text =
      x.html === null
        ? '<div class="tgme_widget_message_photo_wrap" style="background-image:url(x)"></div>'
        : `<div class="tgme_widget_message_text js-message_text" dir="auto">${x.html}</div>`;
    return `<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message text_not_supported_wrap js-widget_message${x.service ? ' service_message' : ''}" data-post="${channel}/${x.id}" data-view="abc">
<div class="tgme_widget_message_bubble"><div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name" href="https://t.me/${channel}"><span dir="auto">${esc(channel)}</span></a></div>
${fwd}${text}
<div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info short js-message_info">
<span class="tgme_widget_message_views">${x.views}</span><span class="copyonly"> views</span>
<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="https://t.me/${channel}/${x.id}"><time datetime="${x.date.toISOString().replace('.000Z', '+00:00')}" class="time">12:00</time></a></span>
</div></div></div></div></div>`;
  }
}
