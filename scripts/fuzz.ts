import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createApp } from '../api/app.ts';
import { listen } from '../api/server.ts';
import { closeFuzzAgent, fuzzApi, seedForFuzz } from '../dev/api-fuzz.ts';
import { loadConfig } from '../shared/config.ts';
import { createKeys } from '../shared/keys.ts';
import { createLogger } from '../shared/logger.ts';
import { createMetrics } from '../shared/metrics.ts';
import { createRedis } from '../shared/redis.ts';

/**
 * `npm run fuzz -- --runs 10000 [--seed N]`: the API's property-based fuzz (dev/api-fuzz.ts) at length,
 * against the real app on a loopback port and the Redis at REDIS_URL (under a prefix of its own, deleted
 * after). Prints figures; exits 1 when any answer was 5xx or a 4xx was not problem+json.
 */
const { values } = parseArgs({ options: { runs: { type: 'string', default: '10000' }, seed: { type: 'string' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number');
const cfg = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const redis = createRedis(cfg.redis.url, 'fuzz');
const keys = createKeys(`fuzz${Date.now()}`);
await seedForFuzz(redis, keys);
const app = createApp({
  redis,
  keys,
  metrics: createMetrics(),
  log: createLogger('silent'),
  limits: { maxBuckets: cfg.api.maxBuckets },
});
const server = await listen(app, 0, '127.0.0.1');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const f = await fuzzApi(base, runs, values.seed === undefined ? undefined : Number(values.seed));
closeFuzzAgent();
server.closeAllConnections();
await new Promise((r) => server.close(r));
for await (const batch of redis.scanStream({ match: `${keys.bullPrefix.replace(/:q$/, '')}:*`, count: 500 }))
  if ((batch as string[]).length) await redis.del(...(batch as string[]));
await redis.quit();

const fivexx = Object.entries(f.byStatus)
  .filter(([s]) => Number(s) >= 500)
  .reduce((a, [, n]) => a + n, 0);
console.log(
  `API fuzz: ${f.requests} requests in ${f.seconds.toFixed(1)} s (${(f.requests / f.seconds).toFixed(0)} req/s)`,
);
console.log(
  `  by status:    ${Object.entries(f.byStatus)
    .map(([s, n]) => `${s} ×${n}`)
    .join(', ')}`,
);
console.log(
  `  by operation: ${Object.entries(f.byOperation)
    .map(([o, n]) => `${o} ×${n}`)
    .join(', ')}`,
);
console.log(`  5xx: ${fivexx}; property violations: ${f.violations.length}`);
for (const v of f.violations.slice(0, 20)) console.log(`  ✗ ${v}`);
process.exit(f.violations.length ? 1 : 0);
