import { format } from 'node:util';
import type { Logger } from './logger.ts';

/**
 * Repeated warnings (a Redis outage makes every connection complain on every reconnect attempt) are logged
 * once per `intervalMs` per kind, with the number held back since, so an outage is a few lines, not thousands.
 */
export function throttledLog(log: Logger, intervalMs = 30_000) {
  const seen = new Map<string, { at: number; held: number }>();
  return (level: 'warn' | 'error', kind: string, fields: Record<string, unknown>, msg: string) => {
    const now = Date.now();
    const s = seen.get(kind);
    if (s && now - s.at < intervalMs) {
      s.held++;
      return;
    }
    log[level]({ ...fields, ...(s?.held ? { repeatedSinceLastLine: s.held } : {}) }, msg);
    seen.set(kind, { at: now, held: 0 });
    if (seen.size > 1_000) seen.clear(); // kinds are a few fixed strings; never let a bug grow this
  };
}

/**
 * Libraries that print with console.* (BullMQ warns and errors that way, ioredis prints "Unhandled error
 * event") would put plain-text lines into the JSON log. Everything printed to the console goes through the
 * logger instead, marked `origin: "console"`, and throttled per message start.
 */
export function routeConsoleToLogger(log: Logger): void {
  const emit = throttledLog(log, 30_000);
  const route =
    (level: 'warn' | 'error') =>
    (...args: unknown[]) => {
      const text = format(...args).slice(0, 2_000);
      emit(level, `console:${text.slice(0, 60)}`, { origin: 'console' }, text);
    };
  console.error = route('error');
  console.warn = route('warn');
  console.log = route('warn');
  console.info = route('warn');
  console.debug = () => {};
  console.trace = route('warn');
}
