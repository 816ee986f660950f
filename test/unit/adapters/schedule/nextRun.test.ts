import test from 'ava';
import { nextRun } from '../../../../src/adapters/schedule/nextRun.ts';

const at = (iso: string) => new Date(iso);

test("next run: the next business-hours slot in the schedule's time zone, across a weekend", (t) => {
  // Friday 17:55 in Berlin (UTC+1 in November): the last slot of the day is gone, Monday 08:00 comes next.
  t.deepEqual(nextRun('*/10 8-17 * * 1-5', 'Europe/Berlin', at('2026-11-20T16:55:00Z')), at('2026-11-23T07:00:00Z'));
  t.deepEqual(nextRun('*/10 8-17 * * 1-5', 'Europe/Berlin', at('2026-11-20T08:03:00Z')), at('2026-11-20T08:10:00Z'));
});

test('next run: strictly after the given instant, to the second', (t) => {
  t.deepEqual(nextRun('*/10 * * * *', 'UTC', at('2026-11-20T10:10:00Z')), at('2026-11-20T10:20:00Z'));
  t.deepEqual(nextRun('*/10 * * * *', 'UTC', at('2026-11-20T10:09:59.500Z')), at('2026-11-20T10:10:00Z'));
  t.deepEqual(nextRun('*/15 * * * * *', 'UTC', at('2026-11-20T10:10:01Z')), at('2026-11-20T10:10:15Z'));
});

test("next run: node-cron's day tokens (last day of the month, last Friday) and a leap day years away", (t) => {
  t.deepEqual(nextRun('0 0 L * *', 'UTC', at('2026-02-10T00:00:00Z')), at('2026-02-28T00:00:00Z'));
  t.deepEqual(nextRun('0 12 * * 5L', 'UTC', at('2026-11-01T00:00:00Z')), at('2026-11-27T12:00:00Z'));
  t.deepEqual(nextRun('15 3 29 2 *', 'UTC', at('2026-03-01T00:00:00Z')), at('2028-02-29T03:15:00Z'));
});

test('next run: the first 01:30 of the night New York falls back from summer time', (t) => {
  // 2026-11-01 01:30 happens twice in New York; the first is 01:30 EDT (05:30 UTC).
  t.deepEqual(nextRun('30 1 * * *', 'America/New_York', at('2026-11-01T04:00:00Z')), at('2026-11-01T05:30:00Z'));
});
