import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** A private redis-server on a free port, so tests never touch (or depend on) the machine's Redis. */
export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sw-redis-'));
  let child: ChildProcess;
  try {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
  } catch {
    throw new Error('redis-server is not installed: `apt-get install redis-server` (bash .ci/run does it)');
  }
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', () =>
      reject(new Error('redis-server is not installed: `apt-get install redis-server` (bash .ci/run does it)')),
    ),
  );
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  for (let i = 0; ; i++) {
    try {
      await Promise.race([probe.connect().then(() => probe.ping()), spawnError]);
      break;
    } catch (err) {
      if (i > 100 || (err as Error).message.includes('not installed')) throw err;
      probe.disconnect();
      await sleep(50);
    }
  }
  probe.disconnect();
  return {
    url,
    port,
    async stop() {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
