import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import { rawProblem } from './problem.ts';

/**
 * An HTTP server for the API whose parser-level errors (a request line or headers over Node's 16 KiB
 * limit, a malformed request) are answered as problem details too, instead of Node's bare 400/431.
 */
export function listen(app: Express, port: number, host?: string): Promise<Server> {
  const server = createServer(app);
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'HPE_URI_TOO_LONG' ? 414 : 400;
    // An answer to HEAD has no body, or the client would read it as the start of the next response.
    const head = err.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    socket.end(
      rawProblem(
        status,
        status === 400 ? 'the request could not be parsed' : 'the request line or headers are too large',
        head,
      ),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
