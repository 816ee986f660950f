// Simulated time, the soak benchmark's test hook: the clock jumps to each slot
// of the cron (nights and weekends at once), the wall and the monotonic clock
// together so the ticker never sees a step, every slot runs once and in order,
// and a slot waits for the tick before it.

import test from 'ava';
import { createSimulatedClock } from '../../../../src/adapters/clock/simulatedClock.ts';
import { createCronTicker, type Slots } from '../../../../src/adapters/schedule/cronTicker.ts';
import { simulatedSchedule } from '../../../../src/adapters/schedule/simulatedSchedule.ts';
import type { Tick } from '../../../../src/domain/round/chaosRound.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';

const REAL = new Date('2026-12-04T18:00:00Z');
const FRIDAY = new Date('2027-01-08T15:35:00Z');
const BUSINESS_HOURS = '*/10 10-15 * * 1-5';

test('the simulated clock runs with the real one, jumps forward with wall and monotonic together, never back', (t) => {
  const real = fakeClock(REAL);
  const clock = createSimulatedClock(FRIDAY, real);
  const monotonic = clock.monotonicMs();
  t.deepEqual(clock.now(), FRIDAY);
  real.advance(1500);
  t.deepEqual(clock.now(), new Date(FRIDAY.getTime() + 1500));
  clock.advanceTo(new Date('2027-01-11T10:00:00Z'));
  t.deepEqual(clock.now(), new Date('2027-01-11T10:00:00Z'));
  t.is(clock.monotonicMs() - monotonic, Date.parse('2027-01-11T10:00:00Z') - FRIDAY.getTime());
  clock.advanceTo(FRIDAY);
  t.deepEqual(clock.now(), new Date('2027-01-11T10:00:00Z'), 'a jump back is no jump');
  t.deepEqual(real.now(), new Date(REAL.getTime() + 1500), 'the real time did not move');
});

test('every slot of the cron runs in order, the weekend jumped over, each tick naming the next and the previous; no step', async (t) => {
  const real = fakeClock(REAL);
  const clock = createSimulatedClock(FRIDAY, real);
  const ticks: { tick: Tick; now: Date }[] = [];
  const steps: unknown[] = [];
  const ticker = createCronTicker({
    expression: BUSINESS_HOURS,
    timezone: 'UTC',
    clock,
    schedule: simulatedSchedule({ clock, paceMs: 100 }),
    onClockStep: (step) => steps.push(step),
    onTick: async (tick) => {
      ticks.push({ tick, now: clock.now() });
      if (ticks.length === 4) void ticker.stop();
    },
  });
  ticker.start();
  t.deepEqual(ticker.nextRun(), new Date('2027-01-08T15:40:00Z'), "the slots are the cron's, on the simulated clock");
  while (ticks.length < 4) await new Promise((resolve) => setImmediate(resolve));
  await ticker.stop();
  const iso = (d: Date | undefined) => d?.toISOString();
  t.deepEqual(
    ticks.map(({ tick, now }) => [iso(tick.at), iso(now), iso(tick.nextTick), iso(tick.previousTick)]),
    [
      ['2027-01-08T15:40:00.000Z', '2027-01-08T15:40:00.000Z', '2027-01-08T15:50:00.000Z', undefined],
      ['2027-01-08T15:50:00.000Z', '2027-01-08T15:50:00.000Z', '2027-01-11T10:00:00.000Z', '2027-01-08T15:40:00.000Z'],
      ['2027-01-11T10:00:00.000Z', '2027-01-11T10:00:00.000Z', '2027-01-11T10:10:00.000Z', '2027-01-08T15:50:00.000Z'],
      ['2027-01-11T10:10:00.000Z', '2027-01-11T10:10:00.000Z', '2027-01-11T10:20:00.000Z', '2027-01-11T10:00:00.000Z'],
    ],
  );
  t.deepEqual(steps, [], 'a jump is time passing, not a step of the wall clock');
  t.is(ticker.checkClock(), false);
  t.deepEqual(real.now(), new Date(REAL.getTime() + 4 * 100), 'one pace of real time per slot');
});

test('the next slot waits until the tick before it has ended', async (t) => {
  const real = fakeClock(REAL);
  const clock = createSimulatedClock(FRIDAY, real);
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const slots: Date[] = [];
  // The fake clock's sleeps resolve at once: the schedule stops itself after three slots, or it would never yield.
  const schedule: Slots = simulatedSchedule({ clock, paceMs: 0 })({
    expression: BUSINESS_HOURS,
    timezone: 'UTC',
    onMissed: () => undefined,
    onSlot: async (at) => {
      slots.push(at);
      if (slots.length === 1) await held;
      if (slots.length === 3) void schedule.stop();
    },
  });
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
  t.is(slots.length, 1, 'no second slot while the first runs');
  t.deepEqual(clock.now(), new Date('2027-01-08T15:40:00Z'));
  release();
  for (let i = 0; i < 10_000 && slots.length < 3; i++) await Promise.resolve();
  await schedule.stop();
  t.deepEqual(slots, [new Date('2027-01-08T15:40:00Z'), new Date('2027-01-08T15:50:00Z'), new Date('2027-01-11T10:00:00Z')]);
});

test('armed again after a step of the real wall clock, the schedule waits for the tick still running', async (t) => {
  const real = fakeClock(REAL);
  const clock = createSimulatedClock(FRIDAY, real);
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const ticks: Date[] = [];
  const steps: unknown[] = [];
  let running = 0;
  let most = 0;
  const ticker = createCronTicker({
    expression: BUSINESS_HOURS,
    timezone: 'UTC',
    clock,
    schedule: simulatedSchedule({ clock, paceMs: 0 }),
    onClockStep: (step) => steps.push(step),
    onTick: async (tick) => {
      running++;
      most = Math.max(most, running);
      ticks.push(tick.at);
      if (ticks.length === 1) await held;
      if (ticks.length === 3) void ticker.stop();
      running--;
    },
  });
  ticker.start();
  for (let i = 0; i < 10_000 && ticks.length < 1; i++) await Promise.resolve();
  real.step(10_000);
  t.true(ticker.checkClock(), 'the step is seen and the schedule armed again');
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
  t.is(ticks.length, 1, 'the new arming waits for the tick under the old one');
  release();
  for (let i = 0; i < 10_000 && ticks.length < 3; i++) await Promise.resolve();
  await ticker.stop();
  t.is(most, 1, 'never two ticks at once');
  t.is(steps.length, 1);
  t.deepEqual(ticks, [new Date('2027-01-08T15:40:00Z'), new Date('2027-01-08T15:50:00Z'), new Date('2027-01-11T10:00:00Z')]);
});
