import { createWriteStream } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parsePostsExport, parseTrendsExport, batched } from '../api/export/routes.ts';
import { exportPosts, postLines } from '../api/export/posts-export.ts';
import { trendLines } from '../api/export/trends-export.ts';
import { Problem } from '../api/problem.ts';
import { ConfigError, loadConfig } from '../shared/config.ts';
import { createKeys } from '../shared/keys.ts';
import { createRedis } from '../shared/redis.ts';
import { TrendReader } from '../shared/trend-reader.ts';

/**
 * `npm run export -- posts|trends [--from T] [--to T] [--stance S] [--source S] [--lang L] [--interval I]
 * [--format csv|ndjson] [--out FILE]`: the API's exports, straight from Redis to a file or stdout, with the
 * API's own parameter checks and the same constant-memory streaming.
 */
const usage =
  'usage: npm run export -- posts|trends [--from T] [--to T] [--stance S] [--source S] [--lang L] [--interval I] [--format csv|ndjson] [--out FILE]';
const [kind, ...rest] = process.argv.slice(2);
if (kind !== 'posts' && kind !== 'trends') {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
const query: Record<string, string> = {};
let out: string | undefined;
for (let i = 0; i < rest.length; i += 2) {
  const name = rest[i]!.replace(/^--/, '');
  const value = rest[i + 1];
  if (!rest[i]!.startsWith('--') || value === undefined) {
    process.stderr.write(`export: "${rest[i]}" needs a value\n${usage}\n`);
    process.exit(2);
  }
  if (name === 'out') out = value;
  else query[name] = value;
}

let cfg;
try {
  cfg = loadConfig();
} catch (err) {
  process.stderr.write(`export: ${(err as Error).message}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}
const redis = createRedis(cfg.redis.url, 'export');
const keys = createKeys(cfg.redis.prefix);
try {
  let lines: AsyncIterable<string>;
  if (kind === 'posts') {
    const e = parsePostsExport(query);
    lines = postLines(exportPosts(redis, keys, e.filters), e.format);
  } else {
    const e = parseTrendsExport(query, Date.now());
    lines = trendLines(new TrendReader(redis, keys), e.from, e.to, e.interval, e.filters, e.format);
  }
  let rows = 0;
  const counted = async function* () {
    for await (const chunk of batched(lines)) {
      for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) rows++;
      yield chunk;
    }
  };
  // stdout is not closed at the end: other output (npm's) may still follow it.
  const sink: Writable = out
    ? createWriteStream(out)
    : new Writable({ write: (c, _e, cb) => (process.stdout.write(c) ? cb() : process.stdout.once('drain', cb)) });
  await pipeline(Readable.from(counted()), sink);
  process.stderr.write(`export: ${kind} written${out ? ` to ${out}` : ''} (${rows} lines)\n`);
} catch (err) {
  if (err instanceof Problem) {
    process.stderr.write(`export: --${err.param}: ${err.detail}\n`);
    process.exitCode = 2;
  } else throw err;
} finally {
  await redis.quit();
}
