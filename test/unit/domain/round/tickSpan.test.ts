// No business time falls between ticks: over a week of the cron's own slots,
// the spans the ticks stand for add up to the week's business time, whatever
// the cron's cadence and wherever the window opens between two slots.

import test from 'ava';
import { nextRun } from '../../../../src/adapters/schedule/nextRun.ts';
import { tickSpanSeconds } from '../../../../src/domain/round/tickSpan.ts';
import type { WindowSpec } from '../../../../src/domain/window/businessWindow.ts';
import { berlinWindow } from '../../fakes/berlinWindow.ts';

const MONDAY = new Date('2026-11-16T00:00:00Z');
const NEXT_MONDAY = new Date('2026-11-23T00:00:00Z');

/** The cron's slots from `from` to `to`, each knowing the one before, as the ticker gives them. */
function slots(cron: string, from: Date, to: Date) {
  const ticks: { at: Date; nextTick: Date; previousTick?: Date }[] = [];
  let previous: Date | undefined;
  let at = nextRun(cron, 'Europe/Berlin', new Date(from.getTime() - 1000));
  while (at && at < to) {
    const nextTick = nextRun(cron, 'Europe/Berlin', at) ?? to;
    ticks.push({ at, nextTick, ...(previous ? { previousTick: previous } : {}) });
    previous = at;
    at = nextTick;
  }
  return ticks;
}

const cases: [string, string, Partial<WindowSpec>][] = [
  ['window opening at 09:15 with a */30 cron', '*/30 * * * *', { start: '09:15' }],
  ['window opening at 09:15 with a tick every three hours', '0 */3 * * *', { start: '09:15' }],
  ['window 10:20-16:50 with a tick every four hours', '0 */4 * * *', { start: '10:20', end: '16:50' }],
  ['overnight window 22:10-05:50 with hourly ticks', '0 * * * *', { start: '22:10', end: '05:50', overnight: true }],
  ['a window the cron meets exactly (09:00, */10)', '*/10 * * * *', {}],
];

for (const [name, cron, over] of cases) {
  test(`the spans of a week's ticks add up to its business time: ${name}`, (t) => {
    const window = berlinWindow(over);
    // From the last slot of the week before, so the week's first window has its carrying tick.
    const ticks = slots(cron, new Date(MONDAY.getTime() - 86_400_000), NEXT_MONDAY).filter((k) => k.nextTick > MONDAY);
    const total = ticks.reduce((sum, tick) => sum + tickSpanSeconds(window, tick), 0);
    t.is(total / 3600, window.businessSeconds(new Date(MONDAY.getTime() - 86_400_000), NEXT_MONDAY) / 3600);
  });
}

test('a tick outside the window stands for nothing; the next inside carries what it covered', (t) => {
  const window = berlinWindow({ start: '09:15' });
  const nine = new Date('2026-11-20T08:00:00Z'); // Friday 09:00 in Berlin
  const half = new Date('2026-11-20T08:30:00Z');
  t.is(tickSpanSeconds(window, { at: nine, nextTick: half }), 0);
  t.is(tickSpanSeconds(window, { at: half, nextTick: new Date('2026-11-20T09:00:00Z'), previousTick: nine }), 45 * 60);
  // Without the previous slot (the first tick after a start), only its own span.
  t.is(tickSpanSeconds(window, { at: half, nextTick: new Date('2026-11-20T09:00:00Z') }), 30 * 60);
});
