// Time that cannot be fooled, at the schedule: a step of the wall clock arms
// the schedule again (node-cron would sleep until the old slot after a step
// back) and is counted; a slot that never ran is counted as a missed tick;
// the slots node-cron calls "missed" because of a step are not.

import test from 'ava';
import { Registry } from 'prom-client';
import { createHavocMetrics } from '../../../../src/adapters/metrics/havocMetrics.ts';
import { createCronTicker, type Schedule } from '../../../../src/adapters/schedule/cronTicker.ts';
import type { Occurrence } from '../../../../src/domain/occurrence.ts';
import type { Tick } from '../../../../src/domain/round/chaosRound.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';

const FRIDAY = new Date('2026-11-20T09:00:00Z');
const TEN_MINUTES = 600_000;
const HOUR = 3_600_000;

/** A hand-written schedule: slots every ten minutes on the fake wall clock; the test fires them. */
function fakeSchedule(clock: { now(): Date }) {
  const armings: { onSlot: (at: Date) => Promise<void>; onMissed: (at: Date) => void; stopped: boolean }[] = [];
  const schedule: Schedule = ({ onSlot, onMissed }) => {
    const arming = { onSlot, onMissed, stopped: false };
    armings.push(arming);
    return {
      next: (count) => {
        const first = Math.floor(clock.now().getTime() / TEN_MINUTES) * TEN_MINUTES + TEN_MINUTES;
        return Array.from({ length: count }, (_, i) => new Date(first + i * TEN_MINUTES));
      },
      stop: async () => {
        arming.stopped = true;
      },
    };
  };
  return { schedule, armings };
}

function setup() {
  const clock = fakeClock(FRIDAY);
  const { schedule, armings } = fakeSchedule(clock);
  const metrics = createHavocMetrics({ registry: new Registry(), defaultMetrics: false });
  const occurrences: Occurrence[] = [];
  const report = (o: Occurrence) => {
    occurrences.push(o);
    metrics.listener.on(o);
  };
  const ticks: Tick[] = [];
  const ticker = createCronTicker({
    expression: '*/10 * * * *',
    timezone: 'UTC',
    schedule,
    clock,
    onTick: async (tick) => {
      ticks.push(tick);
    },
    onClockStep: (step) => report({ type: 'clock-step', ...step }),
    onMissed: (at) => report({ type: 'tick', at, outcome: 'missed', eligible: 0, killed: 0, durationMs: 0, dryRun: false }),
  });
  ticker.start();
  const counted = async (name: string, labels: Record<string, string>) =>
    (await metrics.registry.getSingleMetric(name)?.get())?.values.find((v) =>
      Object.entries(labels).every(([k, value]) => v.labels[k] === value),
    )?.value;
  return { clock, armings, ticker, ticks, occurrences, counted };
}

test('a step back arms the schedule again at once and is counted; the old schedule no longer ticks', async (t) => {
  const { clock, armings, ticker, ticks, counted } = setup();
  clock.advance(TEN_MINUTES);
  await armings[0]?.onSlot(clock.now());
  t.is(ticks.length, 1);
  clock.step(-2 * HOUR);
  t.true(ticker.checkClock(), 'the periodic look sees the step');
  t.is(armings.length, 2, 'armed again on the new time');
  t.true(armings[0]?.stopped);
  t.deepEqual(ticker.nextRun(), new Date(FRIDAY.getTime() - 2 * HOUR + 2 * TEN_MINUTES), 'the next slot is on the new time');
  t.is(await counted('havoc_clock_steps_total', { direction: 'back' }), 1);
  t.is(await counted('havoc_clock_steps_total', { direction: 'forward' }), 0);
  await armings[0]?.onSlot(new Date(FRIDAY.getTime() + 2 * TEN_MINUTES));
  t.is(ticks.length, 1, 'a late slot of the replaced schedule is ignored');
  clock.advance(TEN_MINUTES);
  await armings[1]?.onSlot(clock.now());
  t.is(ticks.length, 2, 'the new schedule ticks');
  await ticker.stop();
});

test('a step forward seen at the slot: counted as a step, not as the missed slots it jumped over', async (t) => {
  const { clock, armings, ticker, ticks, occurrences, counted } = setup();
  clock.step(2 * HOUR);
  // node-cron, waking on its old timer, calls every slot of the two hours missed.
  for (let i = 1; i <= 12; i++) armings[0]?.onMissed(new Date(FRIDAY.getTime() + i * TEN_MINUTES));
  t.is(occurrences.filter((o) => o.type === 'tick' && o.outcome === 'missed').length, 0);
  t.like(
    occurrences.find((o) => o.type === 'clock-step'),
    { direction: 'forward', seconds: 7200 },
  );
  t.is(await counted('havoc_clock_steps_total', { direction: 'forward' }), 1);
  t.is(armings.length, 2);
  t.is(ticks.length, 0);
  await ticker.stop();
});

test('a slot that never ran because the process was frozen is a missed tick: counted in havoc_ticks_total', async (t) => {
  const { clock, armings, ticker, counted } = setup();
  t.is(await counted('havoc_ticks_total', { outcome: 'missed' }), 0, 'the series exists before the first miss');
  clock.advance(HOUR); // frozen: both clocks moved
  armings[0]?.onMissed(new Date(FRIDAY.getTime() + TEN_MINUTES));
  armings[0]?.onMissed(new Date(FRIDAY.getTime() + 2 * TEN_MINUTES));
  t.is(await counted('havoc_ticks_total', { outcome: 'missed' }), 2);
  t.is(await counted('havoc_clock_steps_total', { direction: 'forward' }), 0, 'a freeze is no step');
  t.is(armings.length, 1, 'nothing to re-arm');
  await ticker.stop();
});

test('each tick names the slot right before it, unless a step or a gap came between', async (t) => {
  const { clock, armings, ticker, ticks } = setup();
  const slot = (n: number) => new Date(FRIDAY.getTime() + n * TEN_MINUTES);
  clock.set(slot(1));
  await armings[0]?.onSlot(slot(1));
  clock.set(slot(2));
  await armings[0]?.onSlot(slot(2));
  clock.set(slot(4)); // slot 3 never ran
  await armings[0]?.onSlot(slot(4));
  t.deepEqual(
    ticks.map((k) => [k.at.toISOString(), k.nextTick.toISOString(), k.previousTick?.toISOString()]),
    [
      [slot(1).toISOString(), slot(2).toISOString(), undefined],
      [slot(2).toISOString(), slot(3).toISOString(), slot(1).toISOString()],
      [slot(4).toISOString(), slot(5).toISOString(), undefined],
    ],
  );
  await ticker.stop();
});
