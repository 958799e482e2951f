import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { envSchema, parseEnv } from '../../shared/config.ts';

/** The README's configuration table and the config schema describe the same variables, with the same defaults. */
test('every configuration variable is documented in the README, and nothing else is', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Architecture'));
  const rows = [...section.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()] as const);
  const documented = rows.map(([name]) => name).sort();
  assert.deepEqual(documented, Object.keys(envSchema.shape).sort());
  const defaults = parseEnv({}) as Record<string, unknown>;
  for (const [name, shown] of rows) {
    const value = defaults[name];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue; // "(none)" or a description
    const expected = Array.isArray(value) ? value.join(',') : String(value);
    assert.equal(shown, `\`${expected}\``, `README default of ${name}`);
  }
});
