import test from 'ava';
import { attempts } from '../../../../src/domain/history/attempts.ts';
import {
  entryKey,
  historyEntry,
  TEXT_MAX,
  truncateText,
  type HistoryEntry,
} from '../../../../src/domain/history/historyEntry.ts';
import { daysBetween, expired, retentionCutoff } from '../../../../src/domain/history/retention.ts';
import { createBusinessWindow } from '../../../../src/domain/window/businessWindow.ts';
import type { Target } from '../../../../src/domain/occurrence.ts';
import { AT, NODE, POD, killOccurrence, recoveryOccurrence, tickOccurrence } from '../../fakes/occurrences.ts';

const berlin = createBusinessWindow({
  timezone: 'Europe/Berlin',
  weekdays: ['mon'],
  start: '09:00',
  end: '17:00',
  overnight: false,
  excludedDates: [],
});
const later = (ms: number) => new Date(AT.getTime() + ms);
const pod = (name: string, uid: string): Target => ({ ...POD, name, uid });
const entry = (o: Parameters<typeof historyEntry>[0]) => historyEntry(o) as HistoryEntry;

test('kills, verdicts, drains and releases become entries; ticks and skips do not', (t) => {
  t.is(historyEntry(tickOccurrence('idle')), undefined);
  t.deepEqual(historyEntry(killOccurrence('blocked', { outcome: { result: 'blocked', detail: 'PDB web-pdb' } })), {
    type: 'kill',
    at: AT.toISOString(),
    target: {
      kind: 'Pod',
      namespace: 'shop',
      name: 'checkout-7d9f-abcde',
      uid: 'u1',
      workloadKind: 'Deployment',
      workload: 'checkout',
    },
    dryRun: false,
    action: 'pod-evict',
    result: 'blocked',
    detail: 'PDB web-pdb',
    reason: 'opted in',
  });
  const verdict = entry(
    recoveryOccurrence(
      { recovered: false, seconds: 300, detail: 'timed out' },
      { hypothesis: { verdict: 'violated', expr: 'up', detail: 'up == 0' } },
    ),
  );
  t.like(verdict, { type: 'recovery', recovered: false, seconds: 300, detail: 'timed out' });
  t.deepEqual((verdict as { hypothesis?: unknown }).hypothesis, { verdict: 'violated', detail: 'VIOLATED: up == 0' });
  t.like(entry({ type: 'drain-started', at: AT, node: NODE, dryRun: true, until: later(60_000), reason: 'node chaos' }), {
    type: 'drain-started',
    target: { kind: 'Node', name: 'worker-3', uid: 'n3' },
    until: later(60_000).toISOString(),
  });
});

test('free text is cut to TEXT_MAX, never inside a surrogate pair', (t) => {
  const long = entry(
    killOccurrence('failed', { outcome: { result: 'failed', detail: 'x'.repeat(10_000) }, reason: 'y'.repeat(5000) }),
  );
  t.is((long as { detail: string }).detail.length, TEXT_MAX);
  t.is((long as { reason: string }).reason.length, TEXT_MAX);
  t.is(truncateText('short'), 'short');
  const emoji = truncateText(`${'a'.repeat(TEXT_MAX - 2)}😀😀`);
  t.false(/[\uD800-\uDBFF]…$/.test(emoji));
  t.true(emoji.length <= TEXT_MAX);
});

test('the key: deterministic, sorted by time, valid as a ConfigMap key and at most 70 characters', (t) => {
  const kill = entry(killOccurrence('killed'));
  t.is(entryKey(kill), entryKey(entry(killOccurrence('killed'))));
  t.is(entryKey(kill), '20261120T100000000Z.kill.u1');
  const released = entry({
    type: 'node-released',
    at: AT,
    node: { ...NODE, uid: '', name: 'n'.repeat(253) },
    dryRun: false,
    detail: '',
  });
  const key = entryKey(released);
  t.regex(key, /^[-._a-zA-Z0-9]+$/);
  t.true(key.length <= 70);
  t.not(
    key,
    entryKey(entry({ type: 'node-released', at: AT, node: { ...NODE, uid: '', name: 'other' }, dryRun: false, detail: '' })),
  );
  t.true(entryKey(entry(killOccurrence('killed', { at: later(1) }))) > entryKey(kill));
  t.not(entryKey(entry(recoveryOccurrence({ recovered: true, seconds: 3 }))), entryKey(kill));
});

test('retention: the cut-off is the local day of now minus the retention, and only earlier days expire', (t) => {
  const now = new Date('2026-12-04T23:30:00Z'); // already 2026-12-05 in Berlin
  const cutoff = retentionCutoff(now, 30 * 86_400, berlin.localDate);
  t.is(cutoff, '2026-11-05');
  t.true(expired('2026-11-04', cutoff));
  t.false(expired('2026-11-05', cutoff));
  t.false(expired('2026-12-05', cutoff));
});

test('daysBetween: every local day, newest first, also over the 23-hour day of the switch to summer time', (t) => {
  // 2026-03-28 23:30 CET to 2026-03-30 00:30 CEST: a step of 24 h back from now would jump over the 29th.
  t.deepEqual(daysBetween(new Date('2026-03-28T22:30:00Z'), new Date('2026-03-29T22:30:00Z'), berlin.localDate), [
    '2026-03-30',
    '2026-03-29',
    '2026-03-28',
  ]);
});

test('attempts: the victims of one reservation are one row; its verdict joins by the first victim', (t) => {
  const rows = attempts([
    entry(recoveryOccurrence({ recovered: true, seconds: 42 }, { at: later(60_000), target: pod('a', 'ua'), victims: 2 })),
    entry(killOccurrence('killed', { at: later(3), target: pod('b', 'ub') })),
    entry(killOccurrence('killed', { at: later(1), target: pod('a', 'ua') })),
    // The same workload a tick later: another attempt, still pending.
    entry(
      killOccurrence('blocked', { at: later(300_000), target: pod('c', 'uc'), outcome: { result: 'blocked', detail: 'PDB' } }),
    ),
  ]);
  t.is(rows.length, 2);
  t.like(rows[0], { at: later(300_000).toISOString(), result: 'blocked', count: 0, detail: 'PDB', victims: ['c'] });
  t.is(rows[0]?.recovery, undefined);
  t.like(rows[1], {
    at: later(1).toISOString(),
    namespace: 'shop',
    kind: 'Deployment',
    workload: 'checkout',
    action: 'pod-evict',
    result: 'killed',
    count: 2,
    victims: ['a', 'b'],
    recovery: { recovered: true, seconds: 42, at: later(60_000).toISOString() },
  });
});

test('attempts: a failed victim counts, a blocked one does not; killed wins over failed', (t) => {
  const [row] = attempts([
    entry(killOccurrence('failed', { target: pod('a', 'ua') })),
    entry(killOccurrence('blocked', { target: pod('b', 'ub') })),
  ]);
  t.like(row, { result: 'failed', count: 1 });
  const [mixed] = attempts([
    entry(killOccurrence('failed', { target: pod('a', 'ua') })),
    entry(killOccurrence('killed', { target: pod('b', 'ub') })),
  ]);
  t.like(mixed, { result: 'killed', count: 2 });
});

test('attempts: a drain is its start, its outcome and its release; until its outcome it is draining', (t) => {
  const started = entry({
    type: 'drain-started',
    at: AT,
    node: NODE,
    dryRun: false,
    until: later(600_000),
    reason: 'node chaos',
  });
  t.like(attempts([started])[0], { result: 'draining', kind: 'Node', workload: 'worker-3', namespace: '', count: 0 });
  const rows = attempts([
    entry({ type: 'node-released', at: later(600_000), node: { ...NODE, uid: '' }, dryRun: false, detail: 'uncordoned' }),
    entry(killOccurrence('killed', { at: later(90_000), target: NODE })),
    started,
  ]);
  t.is(rows.length, 1);
  t.like(rows[0], {
    at: AT.toISOString(),
    action: 'node-drain',
    result: 'killed',
    count: 1,
    released: later(600_000).toISOString(),
    reason: 'node chaos',
  });
});
