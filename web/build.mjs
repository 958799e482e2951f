// Builds the dashboard (web/src → web/dist) with esbuild. Plain JavaScript, so `npm start` (scripts/launch.mjs)
// and `npm test` (pretest) can run it without tsx:
//   node web/build.mjs             always build
//   node web/build.mjs --if-stale  build only when web/dist is missing or older than a source
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const dist = join(here, 'dist');
/** Written last: its presence means a complete build, its age says how fresh it is. */
const marker = join(dist, 'index.html');

function newestSourceMs(dir = src) {
  let newest = statSync(join(here, 'build.mjs')).mtimeMs;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSourceMs(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function isStale() {
  return !existsSync(marker) || statSync(marker).mtimeMs < newestSourceMs();
}

export async function buildWeb() {
  // Imported here so that merely asking isStale() works before dependencies are installed.
  const { build } = await import('esbuild');
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(join(dist, 'assets'), { recursive: true });
  await build({
    entryPoints: { app: join(src, 'main.ts') },
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    format: 'esm',
    target: ['es2020'],
    outdir: join(dist, 'assets'),
    logLevel: 'warning',
    legalComments: 'linked',
  });
  copyFileSync(join(src, 'index.html'), marker);
}

export async function buildIfStale(say = (msg) => process.stderr.write(`stancewatch: ${msg}\n`)) {
  if (!isStale()) return false;
  say('building the dashboard (web/ → web/dist)…');
  await buildWeb();
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--if-stale')) await buildIfStale();
  else await buildWeb();
}
