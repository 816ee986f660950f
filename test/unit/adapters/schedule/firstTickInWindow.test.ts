// The start-up warning for a cron that never meets the window, with the cron
// expander the rest of the daemon uses.

import test from 'ava';
import { cronWindowWarning, firstTickInWindow } from '../../../../src/adapters/schedule/firstTickInWindow.ts';
import type { WindowSpec } from '../../../../src/domain/window/businessWindow.ts';
import { berlinWindow } from '../../fakes/berlinWindow.ts';

const FRIDAY_EVENING = new Date('2026-11-20T18:00:00Z'); // 19:00 in Berlin, after the window closed

const cases: [string, string, Partial<WindowSpec>, string | undefined][] = [
  ['every ten minutes: Monday 09:00', '*/10 * * * *', {}, '2026-11-23T08:00:00.000Z'],
  ['03:00 daily against 09-17: never', '0 3 * * *', {}, undefined],
  ['17:00 daily: the closing minute is outside', '0 17 * * *', {}, undefined],
  ['weekends only against a weekday window: never', '*/10 * * * 0,6', {}, undefined],
  ['a window opening 09:15, ticks at :00 only: 10:00', '0 * * * *', { start: '09:15' }, '2026-11-23T09:00:00.000Z'],
  [
    'an overnight window meets a 03:00 cron',
    '0 3 * * *',
    { start: '22:00', end: '06:00', overnight: true },
    '2026-11-21T02:00:00.000Z',
  ],
  ['monthly on the 1st at noon: the next weekday 1st', '0 12 1 * *', {}, '2026-12-01T11:00:00.000Z'],
];

for (const [name, cron, over, first] of cases) {
  test(`first tick inside the window: ${name}`, (t) => {
    t.is(firstTickInWindow(cron, berlinWindow(over), FRIDAY_EVENING)?.toISOString(), first);
  });
}

test('the warning names the cron and the window', (t) => {
  t.is(cronWindowWarning('*/10 * * * *', berlinWindow(), FRIDAY_EVENING), undefined);
  t.is(
    cronWindowWarning('0 3 * * *', berlinWindow(), FRIDAY_EVENING),
    'schedule.cron "0 3 * * *" never fires inside the business window (09:00-17:00 Europe/Berlin) within the next 62 days: ' +
      'no tick can kill; check schedule.cron against schedule.start and schedule.end',
  );
});
