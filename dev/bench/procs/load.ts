import http from 'node:http';
import { serve } from '../ipc.ts';

/**
 * A fixed-rate load generator in its own process. Requests go out on a schedule (rate per second), not
 * when the previous answer came back, and each latency is counted from the moment its request was due, so
 * a slow server shows up in the figures instead of slowing the load down (no coordinated omission).
 */
export interface LoadSpec {
  url: string;
  rate: number;
  seconds: number;
  headers?: Record<string, string>;
  /** Sockets at most; a request due while all are busy waits (and its wait counts). */
  connections?: number;
}

function run(spec: LoadSpec): Promise<unknown> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections ?? 256 });
  const latencies: number[] = [];
  /** How late each request went out (this process's own event-loop lag): a tail here is the generator's, not the server's. */
  const lags: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0,
    bytes = 0,
    sent = 0,
    done = 0;
  const total = Math.round(spec.rate * spec.seconds);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const finish = () => {
      agent.destroy();
      latencies.sort((a, b) => a - b);
      lags.sort((a, b) => a - b);
      const q = (p: number, list = latencies) =>
        Number((list[Math.min(list.length - 1, Math.floor(p * list.length))] ?? NaN).toFixed(2));
      const seconds = (performance.now() - t0) / 1000;
      resolve({
        offeredPerSecond: spec.rate,
        seconds: Number(seconds.toFixed(1)),
        sent,
        answered: latencies.length,
        errors,
        statuses,
        servedPerSecond: Math.round(latencies.length / seconds),
        p50Ms: q(0.5),
        p90Ms: q(0.9),
        p99Ms: q(0.99),
        maxMs: q(1),
        meanBodyBytes: latencies.length ? Math.round(bytes / latencies.length) : 0,
        sendLagP99Ms: q(0.99, lags),
      });
    };
    const fire = (dueAt: number) => {
      sent++;
      lags.push(performance.now() - dueAt);
      const req = http.get(spec.url, { agent, headers: spec.headers }, (res) => {
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => {
          latencies.push(performance.now() - dueAt);
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
          if (++done === total) finish();
        });
      });
      req.on('error', () => {
        errors++;
        if (++done === total) finish();
      });
    };
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - t0) / 1000) * spec.rate));
      while (sent < due) fire(t0 + (sent / spec.rate) * 1000);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
    // Answers still missing 10 s after the last request was due count as errors (bounded run).
    setTimeout(
      () => {
        if (done < total) {
          errors += total - done;
          done = total;
          finish();
        }
      },
      spec.seconds * 1000 + 10_000,
    ).unref();
  });
}

serve({ run: (spec: LoadSpec) => run(spec) });
