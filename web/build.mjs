// Builds the dashboard (web/src → web/dist) with esbuild. Plain JavaScript, so `npm start` (scripts/launch.mjs)
// and `npm test` (pretest) can run it without tsx:
//   node web/build.mjs             always build
//   node web/build.mjs --if-stale  build only when web/dist is missing or older than a source
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const src = join(here, 'src');
const dist = join(here, 'dist');
/** Written last: its presence means a complete build, its age says how fresh it is. */
const marker = join(dist, 'index.html');
/** The bundle's inputs outside web/src (the lists and bucket maths it imports from shared/), as esbuild saw them. */
const inputsFile = join(dist, 'inputs.json');

function newestSourceMs(dir = src) {
  let newest = statSync(join(here, 'build.mjs')).mtimeMs;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSourceMs(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function newestImportedMs() {
  const inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
  // A vanished input (a moved file) reads as infinitely new: rebuild.
  return Math.max(0, ...inputs.map((p) => (existsSync(join(root, p)) ? statSync(join(root, p)).mtimeMs : Infinity)));
}

export function isStale() {
  if (!existsSync(marker) || !existsSync(inputsFile)) return true;
  const built = statSync(marker).mtimeMs;
  return built < newestSourceMs() || built < newestImportedMs();
}

export async function buildWeb() {
  // Imported here so that merely asking isStale() works before dependencies are installed.
  const { build } = await import('esbuild');
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(join(dist, 'assets'), { recursive: true });
  const result = await build({
    absWorkingDir: root,
    metafile: true,
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
  const imported = Object.keys(result.metafile.inputs).filter(
    (p) => !p.startsWith('web/src/') && !p.includes('node_modules/'),
  );
  writeFileSync(inputsFile, JSON.stringify(imported));
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
