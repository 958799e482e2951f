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
  /** SIGKILLs the server (an outage) but keeps its directory, so `restart` brings the AOF back. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and directory, and waits until it answers. */
  restart(): Promise<void>;
}

export interface RedisOptions {
  /** Append-only file with fsync on every write, as the compose file runs it: a killed server loses nothing acknowledged. */
  aof?: boolean;
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

export async function startRedis(options: RedisOptions = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sw-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  const persistence = options.aof ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  let child!: ChildProcess;
  const launch = async () => {
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
          ...persistence,
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
    await waitUntilAnswers(url, child);
  };
  await launch();
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  };
  return {
    url,
    port,
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilAnswers(url: string, child: ChildProcess): Promise<void> {
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', () =>
      reject(new Error('redis-server is not installed: `apt-get install redis-server` (bash .ci/run does it)')),
    ),
  );
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
}

/** Deletes every key under a prefix (SCAN and UNLINK in slices): what a bench or a script leaves behind. */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5_000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
