import test from 'ava';
import { createBusinessWindow, windowProblems, type WindowSpec } from '../../../../src/domain/window/businessWindow.ts';

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const spec = (over: Partial<WindowSpec>): WindowSpec => ({
  timezone: 'UTC',
  weekdays: [...weekdays],
  start: '09:00',
  end: '17:00',
  overnight: false,
  excludedDates: [],
  ...over,
});

const containsCases: [string, Partial<WindowSpec>, string, boolean][] = [
  // Europe/Berlin: CET (UTC+1) in November, CEST (UTC+2) in July.
  ['Berlin winter, opening minute', { timezone: 'Europe/Berlin' }, '2026-11-20T08:00:00Z', true],
  ['Berlin winter, a minute before', { timezone: 'Europe/Berlin' }, '2026-11-20T07:59:59Z', false],
  ['Berlin winter, last minute', { timezone: 'Europe/Berlin' }, '2026-11-20T15:59:59Z', true],
  ['Berlin winter, closing time is outside', { timezone: 'Europe/Berlin' }, '2026-11-20T16:00:00Z', false],
  ['Berlin summer, opening', { timezone: 'Europe/Berlin' }, '2026-07-15T07:00:00Z', true],
  ['Berlin summer, 08:59 local', { timezone: 'Europe/Berlin' }, '2026-07-15T06:59:00Z', false],
  ['Berlin summer, 17:00 local', { timezone: 'Europe/Berlin' }, '2026-07-15T15:00:00Z', false],
  ['Berlin Saturday', { timezone: 'Europe/Berlin' }, '2026-11-21T10:00:00Z', false],
  ['Berlin Friday before spring forward, 08:00 CET', { timezone: 'Europe/Berlin' }, '2026-03-27T07:00:00Z', false],
  ['Berlin Monday after spring forward, 09:00 CEST', { timezone: 'Europe/Berlin' }, '2026-03-30T07:00:00Z', true],
  ['Berlin Monday after spring forward, 08:30 CEST', { timezone: 'Europe/Berlin' }, '2026-03-30T06:30:00Z', false],
  ['Berlin Monday after fall back, 09:00 CET', { timezone: 'Europe/Berlin' }, '2026-10-26T08:00:00Z', true],
  ['Berlin Monday after fall back, 08:00 CET (09:00 in CEST)', { timezone: 'Europe/Berlin' }, '2026-10-26T07:00:00Z', false],
  ['New York, Friday 09:00 EST', { timezone: 'America/New_York' }, '2026-03-06T14:00:00Z', true],
  ['New York, Monday 09:00 EDT', { timezone: 'America/New_York' }, '2026-03-09T13:00:00Z', true],
  ['New York, Monday 08:59 EDT', { timezone: 'America/New_York' }, '2026-03-09T12:59:00Z', false],
  ['New York, Monday 17:00 EDT', { timezone: 'America/New_York' }, '2026-03-09T21:00:00Z', false],
  ['Kolkata half-hour offset, 09:00 IST', { timezone: 'Asia/Kolkata' }, '2026-11-20T03:30:00Z', true],
  ['Kolkata half-hour offset, 08:59 IST', { timezone: 'Asia/Kolkata' }, '2026-11-20T03:29:00Z', false],
  ['Sydney in summer time: Friday 09:00 AEDT is Thursday in UTC', { timezone: 'Australia/Sydney' }, '2026-11-19T22:00:00Z', true],
  ['Sydney: 08:59 AEDT', { timezone: 'Australia/Sydney' }, '2026-11-19T21:59:00Z', false],
  ['holiday', { excludedDates: ['2026-12-24'] }, '2026-12-24T10:00:00Z', false],
  ['day before the holiday', { excludedDates: ['2026-12-24'] }, '2026-12-23T10:00:00Z', true],
  // Overnight 22:00-06:00: the window belongs to the day it opens.
  ['overnight, Friday night', { start: '22:00', end: '06:00', overnight: true }, '2026-11-20T23:00:00Z', true],
  [
    'overnight, Saturday early morning belongs to Friday',
    { start: '22:00', end: '06:00', overnight: true },
    '2026-11-21T05:59:00Z',
    true,
  ],
  ['overnight, Saturday 06:00', { start: '22:00', end: '06:00', overnight: true }, '2026-11-21T06:00:00Z', false],
  ['overnight, Saturday night', { start: '22:00', end: '06:00', overnight: true }, '2026-11-21T22:00:00Z', false],
  [
    'overnight, Monday early morning belongs to Sunday',
    { start: '22:00', end: '06:00', overnight: true },
    '2026-11-23T03:00:00Z',
    false,
  ],
  ['overnight, Monday night', { start: '22:00', end: '06:00', overnight: true }, '2026-11-23T22:30:00Z', true],
  ['overnight, midday', { start: '22:00', end: '06:00', overnight: true }, '2026-11-23T12:00:00Z', false],
  [
    'overnight, opened on a holiday',
    { start: '22:00', end: '06:00', overnight: true, excludedDates: ['2026-11-20'] },
    '2026-11-21T03:00:00Z',
    false,
  ],
  [
    'overnight, Thursday night before the holiday',
    { start: '22:00', end: '06:00', overnight: true, excludedDates: ['2026-11-20'] },
    '2026-11-19T23:00:00Z',
    true,
  ],
  ['end of day 24:00', { start: '18:00', end: '24:00' }, '2026-11-20T23:59:00Z', true],
];

for (const [name, over, at, expected] of containsCases) {
  test(`contains: ${name}`, (t) => {
    t.is(createBusinessWindow(spec(over)).contains(new Date(at)), expected);
  });
}

const secondsCases: [string, Partial<WindowSpec>, string, string, number][] = [
  ['a plain day', {}, '2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z', 8 * 3600],
  [
    'Berlin spring forward: 01:00-05:00 local is three real hours',
    { timezone: 'Europe/Berlin', weekdays: ['sun'], start: '01:00', end: '05:00' },
    '2026-03-28T20:00:00Z',
    '2026-03-29T12:00:00Z',
    3 * 3600,
  ],
  [
    'Berlin fall back: 01:00-05:00 local is five real hours',
    { timezone: 'Europe/Berlin', weekdays: ['sun'], start: '01:00', end: '05:00' },
    '2026-10-24T20:00:00Z',
    '2026-10-25T12:00:00Z',
    5 * 3600,
  ],
  ['across a weekend', { timezone: 'Europe/Berlin' }, '2026-11-20T15:00:00Z', '2026-11-23T09:00:00Z', 2 * 3600],
  ['part of a minute', {}, '2026-11-20T09:00:30Z', '2026-11-20T09:01:00Z', 30],
  ['a holiday week day counts nothing', { excludedDates: ['2026-12-24'] }, '2026-12-24T00:00:00Z', '2026-12-25T00:00:00Z', 0],
];

for (const [name, over, from, to, expected] of secondsCases) {
  test(`businessSeconds: ${name}`, (t) => {
    t.is(createBusinessWindow(spec(over)).businessSeconds(new Date(from), new Date(to)), expected);
  });
}

test('nextOpen skips the weekend and nextClose ends the day, in the window zone', (t) => {
  const w = createBusinessWindow(spec({ timezone: 'Europe/Berlin' }));
  t.is(w.nextOpen(new Date('2026-11-21T10:00:00Z'))?.toISOString(), '2026-11-23T08:00:00.000Z');
  t.is(w.nextOpen(new Date('2026-11-20T10:00:00Z'))?.toISOString(), '2026-11-20T10:00:00.000Z');
  t.is(w.nextClose(new Date('2026-11-20T10:00:00Z')).toISOString(), '2026-11-20T16:00:00.000Z');
});

test('nextOpen skips holidays', (t) => {
  const w = createBusinessWindow(spec({ excludedDates: ['2026-12-24', '2026-12-25'] }));
  t.is(w.nextOpen(new Date('2026-12-23T18:00:00Z'))?.toISOString(), '2026-12-28T09:00:00.000Z');
});

test('daySeconds is the length of one daily window, also overnight', (t) => {
  t.is(createBusinessWindow(spec({})).daySeconds, 8 * 3600);
  t.is(createBusinessWindow(spec({ start: '22:00', end: '06:00', overnight: true })).daySeconds, 8 * 3600);
});

test('localDate is the date in the window zone', (t) => {
  t.is(createBusinessWindow(spec({ timezone: 'Pacific/Auckland' })).localDate(new Date('2026-11-20T12:00:00Z')), '2026-11-21');
});

const problemCases: [string, Partial<WindowSpec>, string][] = [
  [
    'end before start without overnight',
    { start: '17:00', end: '09:00' },
    'end: "09:00" is before start "17:00"; set overnight: true for a window that wraps past midnight',
  ],
  [
    'overnight with end after start',
    { overnight: true },
    'overnight: is true but end "17:00" is after start "09:00" on the same day',
  ],
  ['empty window', { start: '09:00', end: '09:00' }, 'end: "09:00" equals start "09:00": the window would be empty'],
  ['unknown zone', { timezone: 'Mars/Olympus' }, 'timezone: "Mars/Olympus" is not an IANA time zone'],
  ['bad time', { start: '9am' }, 'start: "9am" is not a time of day HH:MM (00:00 to 23:59)'],
];

for (const [name, over, message] of problemCases) {
  test(`window problems: ${name}`, (t) => {
    t.deepEqual(
      windowProblems(spec(over)).map((p) => `${p.field}: ${p.message}`),
      [message],
    );
    t.throws(() => createBusinessWindow(spec(over)));
  });
}

// The day plan is sent once per occurrence of the window: an overnight window keeps its key past midnight.
const occurrenceCases: [string, Partial<WindowSpec>, string, string | undefined][] = [
  ['day window, inside', {}, '2026-11-20T10:00:00Z', '2026-11-20'],
  ['day window, before it opens: today', {}, '2026-11-20T07:00:00Z', '2026-11-20'],
  ['day window, after it closed on Friday: Monday', {}, '2026-11-20T18:00:00Z', '2026-11-23'],
  ['overnight, before midnight', { start: '22:00', end: '06:00', overnight: true }, '2026-11-19T23:30:00Z', '2026-11-19'],
  [
    'overnight, after midnight: the same window',
    { start: '22:00', end: '06:00', overnight: true },
    '2026-11-20T01:00:00Z',
    '2026-11-19',
  ],
  [
    'overnight, midday: the night to come',
    { start: '22:00', end: '06:00', overnight: true },
    '2026-11-20T12:00:00Z',
    '2026-11-20',
  ],
  [
    'Berlin overnight, 00:30 local is the window of the day before',
    { timezone: 'Europe/Berlin', start: '22:00', end: '06:00', overnight: true },
    '2026-11-19T23:30:00Z',
    '2026-11-19',
  ],
  ['no day ever opens', { weekdays: [] }, '2026-11-20T10:00:00Z', undefined],
];

for (const [name, over, at, key] of occurrenceCases) {
  test(`occurrenceKey: ${name}`, (t) => {
    t.is(createBusinessWindow(spec(over)).occurrenceKey(new Date(at)), key);
  });
}
