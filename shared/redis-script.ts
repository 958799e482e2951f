import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

/**
 * A Lua script kept in its own `.lua` file, called with named keys and arguments. The file's header names
 * every `KEYS[i]` and `ARGV[i]`; the names given here must match it in order, or loading fails at start-up
 * (and in every test), so the TypeScript side and the script cannot drift apart by one index.
 */
export interface ScriptSpec<K extends string, A extends string> {
  keys: readonly K[];
  argv: readonly A[];
  /** Name of a variable-length tail of ARGV after the named ones (`ARGV[n...] name` in the header). */
  rest?: string;
}

export interface RedisScript<K extends string, A extends string> {
  readonly name: string;
  run(
    redis: Redis,
    keys: Record<K, string>,
    argv: Record<A, string | number>,
    rest?: ReadonlyArray<string | number>,
  ): Promise<number>;
}

export function defineScript<const K extends string, const A extends string>(
  file: URL,
  spec: ScriptSpec<K, A>,
): RedisScript<K, A> {
  const lua = readFileSync(file, 'utf8');
  const name = basename(fileURLToPath(file), '.lua');
  const sha = createHash('sha1').update(lua).digest('hex');
  checkHeader(name, lua, spec);
  return {
    name,
    async run(redis, keys, argv, rest = []) {
      const args = [...spec.keys.map((k) => keys[k]), ...spec.argv.map((a) => argv[a]), ...rest];
      // EVALSHA first; EVAL (which also caches the script) only on a Redis that has not seen it yet.
      // Not defineCommand: with auto-pipelining, a command defined after a pipeline was opened is missing from it.
      try {
        return (await redis.evalsha(sha, spec.keys.length, ...args)) as number;
      } catch (err) {
        if (!(err as Error).message.startsWith('NOSCRIPT')) throw err;
        return (await redis.eval(lua, spec.keys.length, ...args)) as number;
      }
    },
  };
}

function checkHeader(name: string, lua: string, spec: ScriptSpec<string, string>): void {
  const declared = { KEYS: [] as string[], ARGV: [] as string[] };
  let rest: string | undefined;
  for (const m of lua.matchAll(/^\s*(KEYS|ARGV)\[(\d+)(\.\.\.)?\]\s+(\w+)/gm)) {
    const list = declared[m[1] as 'KEYS' | 'ARGV'];
    if (Number(m[2]) !== list.length + 1)
      throw new Error(`${name}.lua: ${m[1]}[${m[2]}] is out of order in the header`);
    if (m[3]) rest = m[4];
    else list.push(m[4]!);
  }
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(declared.KEYS, spec.keys) || !same(declared.ARGV, spec.argv) || rest !== spec.rest) {
    throw new Error(
      `${name}.lua: its header names KEYS [${declared.KEYS}] ARGV [${declared.ARGV}]${rest ? ` ...${rest}` : ''}, the code [${spec.keys}] [${spec.argv}]${spec.rest ? ` ...${spec.rest}` : ''}`,
    );
  }
}
