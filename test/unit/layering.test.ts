import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';

/**
 * The layering rules, checked on every import: stages meet only through queues and shared types, so api/
 * never reaches into workers/, shared/ depends on neither, product code never depends on test code,
 * dev/ (fakes for the demo and benches) is only for scripts and tests, and the dashboard (web/, bundled for
 * the browser) may take only shared/'s pure lists and maths, talking to the rest through the public API.
 */
const TOP = ['api', 'workers', 'shared', 'scripts', 'dev', 'test', 'web'] as const;
type Top = (typeof TOP)[number];

const MAY_NOT_IMPORT: Record<Top, readonly Top[]> = {
  shared: ['api', 'workers', 'scripts', 'dev', 'test', 'web'],
  api: ['workers', 'scripts', 'dev', 'test', 'web'],
  workers: ['api', 'scripts', 'dev', 'test', 'web'],
  dev: ['scripts', 'test', 'web'],
  scripts: ['test'], // launch.mjs builds the dashboard (web/build.mjs)
  test: [],
  web: ['api', 'workers', 'scripts', 'dev', 'test'],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? files(path) : /\.(ts|mjs)$/.test(e.name) ? [path] : [];
  });
}

function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) =>
    normalize(join(dirname(file), m[1]!)),
  );
}

test('imports follow the layering rules', () => {
  const broken: string[] = [];
  for (const layer of TOP) {
    for (const file of files(layer)) {
      for (const target of imports(file)) {
        const into = relative('.', target).split('/')[0] as Top;
        if (MAY_NOT_IMPORT[layer].includes(into)) broken.push(`${file} imports ${relative('.', target)}`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

test('the rules see imports at all', () => {
  assert.ok(imports('api/app.ts').some((t) => t.startsWith('shared/')));
});
