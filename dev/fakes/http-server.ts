import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A scripted answer that replaces the fake's normal one for the next matching request. */
export interface ScriptedReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Hold the answer this long (to provoke client timeouts). */
  delayMs?: number;
  /** Only for requests to this path (e.g. the data endpoint, not a start-up probe). */
  path?: string;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Size of the answer's body as sent (a client may stop reading it early), once answered. */
  responseBytes?: number;
}

/** The plumbing every fake shares: a real HTTP server on a free port, a request log and a queue of scripted failures. */
export abstract class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly scripted: ScriptedReply[] = [];
  private server?: Server;
  url = '';
  /** Every normal answer is held this long (a slow model or source, so a worker can be caught mid-job). */
  latencyMs = 0;

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
        countResponseBytes(res, rec);
        const pathname = new URL(rec.url, 'http://x').pathname;
        const at = this.scripted.findIndex((s) => s.path === undefined || s.path === pathname);
        const scripted = at >= 0 ? this.scripted.splice(at, 1)[0] : undefined;
        if (scripted) {
          const send = () => {
            res.writeHead(scripted.status, { 'content-type': 'application/json; charset=utf-8', ...scripted.headers });
            res.end(scripted.body ?? '');
          };
          if (scripted.delayMs) setTimeout(send, scripted.delayMs).unref();
          else send();
          return;
        }
        if (this.latencyMs > 0) setTimeout(() => this.respond(rec, res), this.latencyMs).unref();
        else this.respond(rec, res);
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

/** Records how many body bytes an answer sends, however the fake writes it (json(), write(), end()). */
function countResponseBytes(res: ServerResponse, rec: RecordedRequest): void {
  const size = (chunk: unknown) =>
    typeof chunk === 'string' || chunk instanceof Uint8Array ? Buffer.byteLength(chunk) : 0;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  rec.responseBytes = 0;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    rec.responseBytes! += size(chunk);
    return write(chunk, ...rest);
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'function') rec.responseBytes! += size(chunk);
    return end(chunk, ...rest);
  }) as ServerResponse['end'];
}
