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

test('"What each source needs in 2026" matches the code: which sources are off without credentials, and the defaults it quotes', async () => {
  const { createSources } = await import('../../workers/collect/sources/registry.ts');
  const { loadConfig } = await import('../../shared/config.ts');
  const { createKeys } = await import('../../shared/keys.ts');
  const { createLogger } = await import('../../shared/logger.ts');
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(
    readme.indexOf('### What each source needs in 2026'),
    readme.indexOf('For every source:'),
  );
  const rows = [
    ...section.matchAll(/^\| (Mastodon|Bluesky|Hacker News|Reddit|Telegram|RSS \/ Atom) \|([^\n]*)$/gm),
  ].map((m) => ({ name: m[1]!, cells: m[2]!.split(' | ') }));
  assert.equal(rows.length, 6);
  const names: Record<string, string> = {
    Mastodon: 'mastodon',
    Bluesky: 'bluesky',
    'Hacker News': 'hackernews',
    Reddit: 'reddit',
    Telegram: 'telegram',
    'RSS / Atom': 'rss',
  };
  const cfg = parseEnv({});
  // No Redis traffic happens while building sources; a stand-in client object is enough.
  const built = new Set(
    createSources(loadConfig({}).sources, {
      log: createLogger('silent'),
      redis: {} as never,
      keys: createKeys('x'),
    }).map((s) => s.name),
  );
  for (const r of rows) {
    const off = r.cells[2]!.includes('**off**');
    assert.equal(
      off,
      !built.has(names[r.name] as never),
      `${r.name}: README says ${off ? 'off' : 'on'} without credentials`,
    );
  }
  const text = rows.map((r) => r.cells.join(' ')).join('\n');
  assert.ok(text.includes(`\`MASTODON_LATE_WINDOW_MINUTES\` (${cfg.MASTODON_LATE_WINDOW_MINUTES})`));
  assert.ok(text.includes(`\`RSS_MAX_AGE_HOURS\` (${cfg.RSS_MAX_AGE_HOURS})`));
  assert.ok(cfg.RSS_FEEDS.every((u) => u.includes('when:1d')) && text.includes('when:1d'));
});
