// A simulated month of ticks every 10 minutes, day and night, with a seeded
// random: kill counts follow the MTBFs, nothing happens outside the window,
// and the caps are never broken.

import test from 'ava';
import { nextRun } from '../../../../src/adapters/schedule/nextRun.ts';
import { createChaosRound, type Tick } from '../../../../src/domain/round/chaosRound.ts';
import { expectedPerDay } from '../../../../src/domain/selection/candidates.ts';
import { deployment, fakeCluster } from '../../fakes/fakeCluster.ts';
import { roundDeps } from '../../fakes/roundDeps.ts';

const START = new Date('2026-06-01T00:00:00Z'); // a Monday
const END = new Date('2026-07-01T00:00:00Z'); // June 2026 has 22 weekdays
const TICK = 600_000;
const OLD = new Date('2026-05-01T00:00:00Z');

/** Every ten minutes, day and night. */
function* everyTenMinutes(): Generator<Tick> {
  for (let at = START.getTime(); at < END.getTime(); at += TICK) yield { at: new Date(at), nextTick: new Date(at + TICK) };
}

/** The slots of a cron expression in Berlin, each naming the one before, as the ticker does. */
function* cronSlots(expression: string): Generator<Tick> {
  let previous: Date | undefined;
  let at = nextRun(expression, 'Europe/Berlin', new Date(START.getTime() - 1000));
  while (at && at < END) {
    const nextTick = nextRun(expression, 'Europe/Berlin', at) ?? END;
    yield { at, nextTick, ...(previous ? { previousTick: previous } : {}) };
    previous = at;
    at = nextTick;
  }
}

/**
 * Caps far above what these draws reach, so only the draw decides. The config refuses caps this high (the
 * worst-case stored state at them would pass its bound), so they are set on the settings, past the config.
 */
const UNCAPPED = { perTick: 100, perHour: 1000, perDay: 10_000 };

async function simulate(
  env: Record<string, string>,
  mtbfs: Record<string, string>,
  seed: number,
  ticks = everyTenMinutes(),
  caps?: typeof UNCAPPED,
) {
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
  const settings = caps ? { ...deps.settings, caps } : deps.settings;
  const round = createChaosRound({ ...deps, settings });
  for (const tick of ticks) {
    clock.set(tick.at);
    await round.tick(tick);
    await round.settle();
  }
  const businessHours = settings.window.businessSeconds(START, END) / 3600;
  return { events, settings, businessHours };
}

test('over a month, each workload is hit about once per MTBF of business time', async (t) => {
  const mtbfHours: Record<string, number> = { often: 0.5, hourly: 4, daily: 8, rare: 24 };
  const { events, businessHours } = await simulate(
    {
      HAVOC_SELECTION_MIN_TIME_BETWEEN_KILLS: '1s',
    },
    { often: '30m', hourly: '4h', daily: '1d', rare: '3d' },
    20261121,
    everyTenMinutes(),
    UNCAPPED,
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

test('over a month with a tick every three hours and a window opening at 09:15, kills per day keep the MTBF', async (t) => {
  // Ticks at 09:00 (outside), 12:00 and 15:00 in Berlin: 12:00 stands for 09:15-15:00, 15:00 for 15:00-17:00.
  // Before, 09:15-12:00 was lost: 5 h of a 7.75 h day, a third fewer kills.
  const mtbfs = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`w${i}`, '1d']));
  const { events, businessHours } = await simulate(
    {
      HAVOC_SCHEDULE_START: '09:15',
      HAVOC_SELECTION_MIN_TIME_BETWEEN_KILLS: '1s',
    },
    mtbfs,
    20261204,
    cronSlots('0 */3 * * *'),
    UNCAPPED,
  );
  const days = businessHours / 7.75;
  t.is(days, 22);
  const kills = events.of('kill').filter((k) => k.target.kind === 'Pod').length;
  // One kill per workload per business day. Per workload and day: trials at p = 5.75/7.75 and 2/7.75,
  // variance 2 * p * (1 - p); the tolerance is four standard deviations of the month's sum.
  const p = 5.75 / 7.75;
  const expected = 20 * days;
  const tolerance = 4 * Math.sqrt(20 * days * 2 * p * (1 - p));
  t.log(`${(kills / days).toFixed(2)} kills per business day, expected 20 ± ${(tolerance / days).toFixed(2)}`);
  t.true(Math.abs(kills - expected) <= tolerance, `${kills} kills, expected ${expected} ± ${tolerance.toFixed(1)}`);
});

test('over a month, the minimum time between kills lowers the rate to what plan says', async (t) => {
  // A 4 h MTBF with a 1 h gap after each attempt: about one kill per 5 h of business time, not per 4 h.
  const mtbfs = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`w${i}`, '4h']));
  const { events, businessHours, settings } = await simulate(
    {
      HAVOC_SELECTION_MIN_TIME_BETWEEN_KILLS: '1h',
    },
    mtbfs,
    7,
    everyTenMinutes(),
    UNCAPPED,
  );
  const days = businessHours / 8;
  const perDay = events.of('kill').filter((k) => k.target.kind === 'Pod').length / days / 20;
  const planned = expectedPerDay(4 * 3600, settings.window.daySeconds, settings.minGapSeconds);
  t.log(`${perDay.toFixed(3)} kills per workload and business day, plan says ${planned.toFixed(3)}, without the gap 2`);
  // About 700 kills: four standard deviations of their count is about 15%; without the gap plan would say 25% more.
  t.true(Math.abs(perDay - planned) / planned < 0.15, `simulated ${perDay.toFixed(3)}, planned ${planned.toFixed(3)}`);
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
