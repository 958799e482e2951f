import { parseArgs } from 'node:util';
import type { Queue } from 'bullmq';
import { closeQueues, openQueues, type PipelineQueues } from '../shared/pipeline-queues.ts';
import { POST_QUEUES, QUEUES, type QueueName } from '../shared/queues.ts';
import { boot } from '../shared/runtime.ts';

/**
 * `npm run redrive -- [--queue score|aggregate|alert-delivery] [--dry-run]`
 * Sends parked jobs (the failed set of the score and aggregate queues by default) round again. Each becomes
 * a fresh job with the same data and options, so it gets its full attempts and stall allowance back (BullMQ's
 * own Job.retry keeps the stall counter, and a job parked for stalling would be parked again at its next
 * interruption). The parked job is removed once its copy is queued. Posts already counted are skipped by the
 * pipeline, so re-driving twice, or a job some of whose posts were counted, counts nothing twice.
 * Prints one JSON line per queue: {queue, parked, redriven, posts}.
 */
const QUEUE_OPTION: Record<string, keyof PipelineQueues> = {
  [QUEUES.score]: 'score',
  [QUEUES.aggregate]: 'aggregate',
  [QUEUES.alertDelivery]: 'alertDelivery',
};
const { values } = parseArgs({
  options: { queue: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean', default: false } },
});
const chosen = (values.queue ?? [...POST_QUEUES]) as QueueName[];
for (const q of chosen) {
  if (!(q in QUEUE_OPTION)) {
    process.stderr.write(`redrive: --queue must be one of ${Object.keys(QUEUE_OPTION).join(', ')}\n`);
    process.exit(2);
  }
}

const rt = await boot('redrive');
const queues = openQueues(rt.redis, rt.keys, rt.log);
const PAGE = 200;
for (const name of chosen) {
  const queue = queues[QUEUE_OPTION[name]!] as Queue;
  const totals = { queue: name, parked: 0, redriven: 0, posts: 0 };
  // Always the first page: each re-driven job leaves the failed set, so the next page moves up.
  for (let seen = new Set<string>(); ;) {
    const jobs = (
      await queue.getFailed(values['dry-run'] ? seen.size : 0, (values['dry-run'] ? seen.size : 0) + PAGE - 1)
    ).filter((j) => j && !seen.has(j.id!));
    if (jobs.length === 0) break;
    for (const job of jobs) {
      seen.add(job.id!);
      totals.parked++;
      totals.posts += (job.data as { posts?: unknown[] }).posts?.length ?? 0;
      if (values['dry-run']) continue;
      const { jobId: _old, repeat: _repeat, ...opts } = job.opts as typeof job.opts & { repeat?: unknown };
      await queue.add(job.name, job.data, { ...opts, jobId: `${job.id}.redrive-${Date.now().toString(36)}` });
      await job.remove();
      totals.redriven++;
      rt.log.info({ queue: name, job: job.id, reason: job.failedReason }, 're-driven');
    }
  }
  process.stdout.write(`${JSON.stringify(totals)}\n`);
}
await closeQueues(queues);
await rt.redis.quit();
