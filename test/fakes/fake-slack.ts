import type { ServerResponse } from 'node:http';
import { FakeHttpServer, type RecordedRequest } from '../../dev/fakes/http-server.ts';

/**
 * A Slack incoming webhook. Imitates (reference: /work/shared/reference/real-services-2026.md, "Slack";
 * Block Kit docs, "Section block": `text` at most 3,000 characters; incoming-webhook errors are plain-text
 * bodies such as `invalid_blocks` with 400): a section over 3,000 characters, or over 50 blocks, is refused
 * with 400 `invalid_blocks`; a valid message gets 200 `ok`.
 */
export class FakeSlack extends FakeHttpServer {
  readonly accepted: Array<{ text: string; blocks: Array<{ type: string; text?: { type: string; text: string } }> }> =
    [];

  protected respond(req: RecordedRequest, res: ServerResponse): void {
    let msg: (typeof this.accepted)[number];
    try {
      msg = JSON.parse(req.body);
    } catch {
      return this.text(res, 400, 'invalid_payload');
    }
    const blocks = msg.blocks ?? [];
    if (blocks.length > 50 || blocks.some((b) => b.type === 'section' && (b.text?.text.length ?? 0) > 3_000))
      return this.text(res, 400, 'invalid_blocks');
    this.accepted.push(msg);
    this.text(res, 200, 'ok');
  }

  private text(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'content-type': 'text/html' });
    res.end(body);
  }
}
