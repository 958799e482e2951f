import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The bench runs everything it measures, and every fake, in processes of their own, and talks to them over
 * Node's IPC channel: one request, one reply. Each process answers `cpu` with its own process.cpuUsage().
 */
export interface Cpu {
  user: number;
  system: number;
}
// Each handler validates nothing: the bench's own processes are the only callers.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arguments are whatever the bench sends
type Handler = (arg: any) => unknown;
interface Reply {
  id: number;
  value?: unknown;
  error?: string;
}
interface Request {
  id: number;
  cmd: string;
  arg?: unknown;
}

export class Proc {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (raw) => {
      const m = raw as Reply;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error) w.reject(new Error(`${name}: ${m.error}`));
      else w.resolve(m.value);
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`${name} exited (${code})`));
      this.waiting.clear();
    });
  }

  static async start(
    name: string,
    file: string,
    env: Record<string, string> = {},
    execArgv: string[] = [],
  ): Promise<Proc> {
    const path = fileURLToPath(new URL(`./procs/${file}`, import.meta.url));
    const child = fork(path, [], {
      execArgv: ['--import', 'tsx', ...execArgv],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const p = new Proc(name, child);
    await p.call('ping');
    return p;
  }

  call<T = unknown>(cmd: string, arg?: unknown): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: (v) => resolve(v as T), reject });
      this.child.send({ id, cmd, arg });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.call('stop').catch(() => {});
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** The child's side: handlers by command name; `ping`, `cpu` and `stop` are always there. */
export function serve(handlers: Record<string, Handler>, onStop: () => Promise<void> = async () => {}): void {
  const all: Record<string, Handler> = {
    ping: () => 'pong',
    cpu: () => process.cpuUsage(),
    stop: async () => {
      await onStop();
      setTimeout(() => process.exit(0), 10);
      return 'bye';
    },
    ...handlers,
  };
  process.on('message', async (raw) => {
    const m = raw as Request;
    try {
      const h = all[m.cmd];
      if (!h) throw new Error(`no command ${m.cmd}`);
      process.send!({ id: m.id, value: await h(m.arg) });
    } catch (err) {
      process.send!({ id: m.id, error: (err as Error).message });
    }
  });
}

export const cpuMs = (a: Cpu, b: Cpu) => (b.user - a.user + b.system - a.system) / 1000;
