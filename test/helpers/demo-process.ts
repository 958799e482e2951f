import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** `npm run demo` as a user runs it (without --once), for tests that need the whole stack running on its corpus. */
export interface DemoProcess {
  baseUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startDemo(redisUrl: string, timeoutMs = 90_000): Promise<DemoProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
    env: { ...process.env, REDIS_URL: redisUrl, PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4_000);
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the demo printed no dashboard URL within ${timeoutMs} ms\n${stderr}`)),
      timeoutMs,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^Dashboard: (http:\/\/\S+?)\/?$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`the demo exited (${code}) before it was ready\n${stderr}`)));
  });
  return {
    baseUrl,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
