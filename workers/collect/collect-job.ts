import type { HandlerFactory } from '../stage.ts';

/** One poll of one feed (scheduled per feed): see Collector.collect. */
export const collectJob: HandlerFactory<'collect'> =
  ({ collector, log }) =>
  async (job) => {
    const outcome = await collector.collect(job.data.feedId);
    log.debug(outcome, 'poll done');
    return outcome;
  };
