import type { ServerResponse } from 'node:http';
import { FakeHttpServer, type RecordedRequest } from '../../dev/fakes/http-server.ts';

/** A webhook receiver (Slack, Alertmanager-compatible or generic): answers 200 and keeps what it got. */
export class WebhookReceiver extends FakeHttpServer {
  protected respond(_req: RecordedRequest, res: ServerResponse): void {
    this.json(res, 200, { ok: true });
  }
}
