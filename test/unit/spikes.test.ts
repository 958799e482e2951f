import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_DETECTOR as cfg } from '../../shared/spikes/detector.ts';
import { simulate, syntheticSeries, type MinuteCounts } from '../../shared/spikes/simulate.ts';
import { binomialUpperTail, median, poissonUpperTail, robustZ } from '../../shared/spikes/statistics.ts';

const DAY = 24 * 60;
const flat = (): MinuteCounts => ({ support: 3, criticism: 3, neutral: 4 });

test('tail probabilities and robust z', () => {
  assert.ok(Math.abs(poissonUpperTail(30, 10) - 2.51e-7) < 1e-8);
  assert.equal(poissonUpperTail(0, 10), 1);
  assert.ok(Math.abs(binomialUpperTail(15, 20, 0.4) - 0.0016) < 1e-4);
  assert.equal(binomialUpperTail(21, 20, 0.4), 0);
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(robustZ(30, [10, 11, 9, 10, 12, 8]) > 5);
  assert.ok(Number.isFinite(robustZ(20, [10, 10, 10])), 'equal counts do not give an infinite z');
});

test('a flat series never fires (several seeds, a day each)', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const events = simulate(syntheticSeries(DAY, flat, seed), cfg);
    assert.deepEqual(events, [], `seed ${seed}`);
  }
});

test('a real spike fires within one window and resolves when the series returns to baseline', () => {
  const spikeAt = 900;
  const series = syntheticSeries(
    DAY,
    (m) => (m >= spikeAt && m < spikeAt + 20 ? { support: 15, criticism: 3, neutral: 4 } : flat()),
    7,
  );
  const events = simulate(series, cfg);
  const fire = events.find(
    (e) => e.transition.type === 'fire' && e.stance === 'support' && e.kind === 'volume' && e.windowMin === 5,
  );
  assert.ok(fire, 'the support volume spike fired');
  assert.ok(fire.minute - spikeAt <= 5, `detected ${fire.minute - spikeAt} min after the spike began`);
  const resolve = events.find(
    (e) => e.transition.type === 'resolve' && e.stance === 'support' && e.kind === 'volume' && e.windowMin === 5,
  );
  assert.ok(resolve, 'the alert resolved');
  assert.ok(
    resolve.minute > spikeAt + 20 && resolve.minute <= spikeAt + 20 + 5 + cfg.resolveAfter,
    `resolved at +${resolve.minute - spikeAt - 20} min`,
  );
  assert.ok(!events.some((e) => e.stance === 'criticism'), 'the other stance stays quiet');
  const fires = events.filter(
    (e) => e.transition.type === 'fire' && e.stance === 'support' && e.kind === 'volume' && e.windowMin === 5,
  );
  assert.equal(fires.length, 1, 'one event, one alert');
});

test('a share shift with steady volume fires as a share alert', () => {
  const shiftAt = 800;
  const series = syntheticSeries(
    DAY,
    (m) => (m >= shiftAt && m < shiftAt + 30 ? { support: 7, criticism: 1, neutral: 2 } : flat()),
    11,
  );
  const events = simulate(series, cfg);
  const share = events.find((e) => e.transition.type === 'fire' && e.stance === 'support' && e.kind === 'share');
  assert.ok(share, 'share shift detected');
  assert.ok(share.minute - shiftAt <= 15);
});

test('a slow drift does not fire', () => {
  const drift = (m: number): MinuteCounts => ({ support: 3 + (3 * m) / DAY, criticism: 3, neutral: 4 });
  for (const seed of [1, 2, 3]) assert.deepEqual(simulate(syntheticSeries(DAY, drift, seed), cfg), [], `seed ${seed}`);
});

test('a spike in a tiny window does not fire', () => {
  const quiet = (): MinuteCounts => ({ support: 0.05, criticism: 0.05, neutral: 0.05 });
  const series = syntheticSeries(DAY, quiet, 3);
  series[1000] = { support: 6, criticism: 0, neutral: 0 };
  assert.deepEqual(simulate(series, cfg), []);
});
