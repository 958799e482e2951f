// The quick-start launcher, in plain JavaScript so it runs on a fresh clone before anything is installed:
//   node scripts/launch.mjs [entry.ts]   (npm start, npm run demo)
// 1. installs dependencies when node_modules is missing or older than package-lock.json;
// 2. finds Redis at REDIS_URL (default redis://127.0.0.1:6379); when nothing listens there and
//    redis-server is installed, starts a private one for this run and says so;
// 3. builds the dashboard (web/ → web/dist) when it is missing or older than its sources;
// 4. runs the TypeScript entry point with tsx.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = process.argv[2] ?? 'scripts/all-in-one.ts';
const say = (msg) => process.stderr.write(`stancewatch: ${msg}\n`);

export function ensureDeps() {
  const modules = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(modules) && statSync(modules).mtimeMs >= statSync(lock).mtimeMs) return;
  say('installing dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    say('npm ci failed; see above.');
    process.exit(r.status ?? 1);
  }
}

function redisAnswers(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    // An auth-protected Redis answers -NOAUTH: it is there, the client will authenticate.
    socket.on('data', (d) => done(/^(\+PONG|-NOAUTH)/.test(d.toString())));
  });
}

async function ensureRedis() {
  const url = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  const host = url.hostname || '127.0.0.1';
  const port = Number(url.port || 6379);
  if (await redisAnswers(host, port)) return null;
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);
  const installed = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!local || !installed) {
    say(`no Redis answers at ${host}:${port}.`);
    say(
      'Install one (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and run `npm start` again,',
    );
    say('or set REDIS_URL to a Redis you have (redis://host:port).');
    process.exit(3);
  }
  const dir = join(root, '.run', 'redis');
  mkdirSync(dir, { recursive: true });
  say(
    `no Redis at ${host}:${port}: starting a private redis-server there (data in .run/redis, stopped when stancewatch stops).`,
  );
  const child = spawn(
    'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(host, port)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  say('the private redis-server did not start; try `redis-server` by hand to see why.');
  child.kill();
  process.exit(3);
}

ensureDeps();
// After the dependencies (esbuild comes with them): so `npm start` serves a dashboard built from this checkout.
await (await import('../web/build.mjs')).buildIfStale(say);
const redis = await ensureRedis();
const app = spawn(process.execPath, ['--import', 'tsx', join(root, entry), ...process.argv.slice(3)], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => app.kill(signal));
app.on('exit', (code) => {
  redis?.kill();
  process.exit(code ?? 0);
});
