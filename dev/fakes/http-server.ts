import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A scripted answer that replaces the fake's normal one for the next matching request. */
export interface ScriptedReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Hold the answer this long (to provoke client timeouts). */
  delayMs?: number;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** The plumbing every fake shares: a real HTTP server on a free port, a request log and a queue of scripted failures. */
export abstract class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly scripted: ScriptedReply[] = [];
  private server?: Server;
  url = '';

  /** The next `count` requests get this reply instead of the normal one. */
  failNext(reply: ScriptedReply, count = 1): void {
    for (let i = 0; i < count; i++) this.scripted.push(reply);
  }

  /** Drops scripted replies not yet used (the service "comes back"). */
  clearFailures(): void {
    this.scripted.length = 0;
  }

  protected abstract respond(req: RecordedRequest, res: ServerResponse): void;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rec = {
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(rec);
        const scripted = this.scripted.shift();
        if (scripted) {
          const send = () => {
            res.writeHead(scripted.status, { 'content-type': 'application/json; charset=utf-8', ...scripted.headers });
            res.end(scripted.body ?? '');
          };
          if (scripted.delayMs) setTimeout(send, scripted.delayMs).unref();
          else send();
          return;
        }
        this.respond(rec, res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  protected json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }
}
