// A step of the wall clock is told from the monotonic clock, and cannot make a
// kill record look older than it is.

import test from 'ava';
import { createStepDetector } from '../../../../src/domain/time/clockStep.ts';
import { createRecordClock } from '../../../../src/domain/time/recordClock.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';

const FRIDAY = new Date('2026-11-20T09:00:00Z');
const HOUR = 3_600_000;

test('a step forward or back is told once, with its direction and size; time passing is no step', (t) => {
  const clock = fakeClock(FRIDAY);
  const detector = createStepDetector(clock);
  clock.advance(HOUR); // a frozen process, or just time: both clocks move
  t.is(detector.check(), undefined);
  clock.step(2 * HOUR);
  t.like(detector.check(), { direction: 'forward', seconds: 7200 });
  t.is(detector.check(), undefined, 'told once');
  clock.advance(60_000);
  clock.step(-2 * HOUR);
  t.like(detector.check(), { direction: 'back', seconds: 7200 });
});

test('a difference within the tolerance (slewing, timer noise) is no step', (t) => {
  const clock = fakeClock(FRIDAY);
  const detector = createStepDetector(clock);
  clock.step(1500);
  t.is(detector.check(), undefined);
  clock.step(-2500);
  t.like(detector.check(), { direction: 'back', seconds: 2.5 });
});

test('record ages: a forward step does not age them, a step back makes them look younger', (t) => {
  const clock = fakeClock(FRIDAY);
  const records = createRecordClock(clock);
  clock.advance(10 * 60_000);
  t.deepEqual(records.now(), clock.now(), 'without a step, the wall clock');
  clock.step(2 * HOUR);
  t.deepEqual(records.now(), new Date(FRIDAY.getTime() + 10 * 60_000), 'the forward step is not counted');
  clock.advance(HOUR);
  t.deepEqual(records.now(), new Date(FRIDAY.getTime() + 70 * 60_000), 'real time still is');
  clock.step(-4 * HOUR);
  t.deepEqual(records.now(), clock.now(), 'behind the real time, the wall clock: stricter');
});
