import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { listen } from '../api/server.ts';

/** The API app on a free loopback port, served as api/main.ts serves it (parser errors as problem details). */
export interface ServedApp {
  server: Server;
  base: string;
  close(): Promise<void>;
}

export async function serveApp(app: Express): Promise<ServedApp> {
  const server = await listen(app, 0, '127.0.0.1');
  return {
    server,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
