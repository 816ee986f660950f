// A simulated month of ticks every 10 minutes, day and night, with a seeded
// random: kill counts follow the MTBFs, nothing happens outside the window,
// and the caps are never broken.

import test from 'ava';
import { createChaosRound } from '../../../../src/domain/round/chaosRound.ts';
import { deployment, fakeCluster } from '../../fakes/fakeCluster.ts';
import { roundDeps } from '../../fakes/roundDeps.ts';

const START = new Date('2026-06-01T00:00:00Z'); // a Monday
const END = new Date('2026-07-01T00:00:00Z'); // June 2026 has 22 weekdays
const TICK = 600_000;
const OLD = new Date('2026-05-01T00:00:00Z');

async function simulate(env: Record<string, string>, mtbfs: Record<string, string>, seed: number) {
  const cluster = fakeCluster(
    Object.entries(mtbfs).map(([name, mtbf]) =>
      deployment('shop', name, 4, { 'havoc/enabled': 'true', 'havoc/mtbf': mtbf }, OLD),
    ),
  );
  const { deps, clock, events } = roundDeps({
    at: START,
    cluster,
    env: { HAVOC_SELECTION_MIN_POD_AGE: '1s', ...env },
    seed,
  });
  const { settings } = deps;
  const round = createChaosRound(deps);
  let ticks = 0;
  for (let at = START.getTime(); at < END.getTime(); at += TICK) {
    clock.set(new Date(at));
    await round.tick({ at: new Date(at), nextTick: new Date(at + TICK) });
    await round.settle();
    ticks++;
  }
  const businessHours = settings.window.businessSeconds(START, END) / 3600;
  return { events, settings, ticks, businessHours };
}

test('over a month, each workload is hit about once per MTBF of business time', async (t) => {
  const mtbfHours: Record<string, number> = { often: 0.5, hourly: 4, daily: 8, rare: 24 };
  const { events, businessHours } = await simulate(
    {
      HAVOC_SELECTION_MIN_TIME_BETWEEN_KILLS: '1s',
      // Far above the ~20 kills a business day these MTBFs give, so no cap shapes the counts;
      // the highest caps whose worst-case state fits its bound at 4 per tick.
      HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '4',
      HAVOC_BLAST_RADIUS_MAX_KILLS_PER_HOUR: '80',
      HAVOC_BLAST_RADIUS_MAX_KILLS_PER_DAY: '80',
    },
    { often: '30m', hourly: '4h', daily: '1d', rare: '3d' },
    20261121,
  );
  t.is(businessHours, 22 * 8);
  const ticksInWindow = businessHours * 6;
  for (const [name, hours] of Object.entries(mtbfHours)) {
    const kills = events.of('kill').filter((k) => k.target.kind === 'Pod' && k.target.workload.name === name).length;
    // Each in-window tick is a Bernoulli trial with p = 10 min / MTBF; the
    // stated tolerance is four standard deviations of that binomial.
    const p = Math.min(1, 10 / 60 / hours);
    const expected = ticksInWindow * p;
    const tolerance = 4 * Math.sqrt(ticksInWindow * p * (1 - p));
    t.log(`${name}: ${kills} kills, expected ${expected.toFixed(1)} ± ${tolerance.toFixed(1)}`);
    t.true(
      Math.abs(kills - expected) <= tolerance,
      `${name}: ${kills} kills, expected ${expected.toFixed(1)} ± ${tolerance.toFixed(1)}`,
    );
  }
});

test('over a month with the default caps, no kill falls outside the window or breaks a cap', async (t) => {
  const mtbfs = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`w${i}`, '2h']));
  const { events, settings } = await simulate({}, mtbfs, 42);
  const kills = events
    .of('kill')
    .filter((k) => k.outcome.result === 'killed')
    .map((k) => k.at.getTime());
  t.true(kills.length > 50, `the caps are reached, not avoided: ${kills.length} kills`);
  for (const at of kills) t.true(settings.window.contains(new Date(at)), new Date(at).toISOString());
  const inWindow = (ms: number, at: number) => kills.filter((k) => k > at - ms && k <= at).length;
  for (const at of kills) {
    t.true(inWindow(3_600_000, at) <= settings.caps.perHour, `hour cap at ${new Date(at).toISOString()}`);
    t.true(inWindow(86_400_000, at) <= settings.caps.perDay, `day cap at ${new Date(at).toISOString()}`);
  }
  const perTick = new Map<number, number>();
  for (const at of kills) perTick.set(Math.floor(at / TICK), (perTick.get(Math.floor(at / TICK)) ?? 0) + 1);
  t.true(Math.max(...perTick.values()) <= settings.caps.perTick);
  // And the per-workload gap holds.
  const byWorkload = new Map<string, number[]>();
  for (const k of events.of('kill')) {
    if (k.target.kind !== 'Pod') continue;
    byWorkload.set(k.target.workload.name, [...(byWorkload.get(k.target.workload.name) ?? []), k.at.getTime()]);
  }
  for (const [name, times] of byWorkload) {
    for (let i = 1; i < times.length; i++) t.true((times[i] ?? 0) - (times[i - 1] ?? 0) >= settings.minGapSeconds * 1000, name);
  }
});
