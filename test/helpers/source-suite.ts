import { after, before } from 'node:test';
import type { Redis } from 'ioredis';
import { createRedis } from '../../shared/redis.ts';
import type { Source } from '../../workers/collect/sources/source.ts';
import type { FakeHttpServer } from '../../dev/fakes/http-server.ts';
import { CollectorHarness } from '../../dev/collector-harness.ts';
import { startRedis, type TestRedis } from './redis-server.ts';

/**
 * The frame every source test shares: a private Redis for the file, and for each test a started fake,
 * a collector harness with a prefix of its own, and cleanup of both when the file ends.
 */
export function sourceSuite(prefix: string) {
  let server: TestRedis | undefined;
  let client: Redis | undefined;
  let run = 0;
  const cleanup: Array<() => Promise<void>> = [];
  before(async () => {
    server = await startRedis();
    client = createRedis(server.url);
  });
  after(async () => {
    for (const c of cleanup.reverse()) await c();
    await client?.quit();
    await server?.stop();
  });
  return {
    get redis(): Redis {
      if (!client) throw new Error('sourceSuite used outside a test');
      return client;
    },
    /** Starts the fake, builds the source against it, and gives a collector over it. */
    async setup<F extends FakeHttpServer, S extends Source>(fake: F, makeSource: (fake: F) => S) {
      await fake.start();
      const h = new CollectorHarness(this.redis, `${prefix}${run++}`);
      cleanup.push(
        () => fake.stop(),
        () => h.close(),
      );
      const source = makeSource(fake);
      return { fake, h, source, c: h.collector(source), feed: source.feeds[0]!.id };
    },
  };
}
