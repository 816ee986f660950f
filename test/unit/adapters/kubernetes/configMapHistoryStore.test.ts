import test from 'ava';
import {
  createConfigMapHistoryStore,
  dataBytes,
  historyObjectName,
  PART_BYTES,
} from '../../../../src/adapters/kubernetes/configMapHistoryStore.ts';
import { createHistoryListener } from '../../../../src/adapters/history/historyListener.ts';
import {
  entryKey,
  historyEntry,
  MAX_ENTRY_BYTES,
  TEXT_MAX,
  type HistoryEntry,
} from '../../../../src/domain/history/historyEntry.ts';
import type { Occurrence, Target } from '../../../../src/domain/occurrence.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';
import { AT, killOccurrence, recoveryOccurrence, tickOccurrence } from '../../fakes/occurrences.ts';
import { statusError } from './fakeApiServer.ts';
import { createFakeHistoryApi, MAX_CONFIGMAP_BYTES } from './fakeHistoryApi.ts';

const utcDate = (t: Date) => t.toISOString().slice(0, 10);
const DAY = 86_400_000;

function setup(options: { start?: Date; partBytes?: number } = {}) {
  const fake = createFakeHistoryApi();
  const clock = fakeClock(options.start ?? AT);
  const warnings: string[] = [];
  const make = () =>
    createConfigMapHistoryStore({
      configMapApi: fake.api,
      namespace: 'havoc',
      localDate: utcDate,
      retentionSeconds: 30 * 86_400,
      clock,
      log: { debug() {}, info() {}, warn: (_o: object, m: string) => warnings.push(m), error() {} },
      retryDelayMs: 10,
      ...(options.partBytes === undefined ? {} : { partBytes: options.partBytes }),
    });
  return { fake, clock, store: make(), make, warnings };
}

const entry = (o: Occurrence) => historyEntry(o) as HistoryEntry;

test("an entry is one key of the day's object, created with its labels; the same entry again changes nothing", async (t) => {
  const { fake, store } = setup();
  const kill = entry(killOccurrence('killed'));
  await store.append(kill);
  await store.append(kill);
  const saved = fake.objects.get(historyObjectName('2026-11-20', 0));
  t.like(saved?.metadata?.labels, {
    'app.kubernetes.io/name': 'kube-havoc',
    'app.kubernetes.io/component': 'history',
    'kube-havoc/history-day': '2026-11-20',
  });
  t.deepEqual(saved?.data, { [entryKey(kill)]: JSON.stringify(kill) });
  t.deepEqual(await store.read(['2026-11-20']), [kill]);
  t.deepEqual(await store.read(['2026-11-19']), []);
});

test('the listener writes kills and verdicts, not ticks', async (t) => {
  const { fake, store } = setup();
  const listener = createHistoryListener({ store });
  await listener.on(tickOccurrence('idle'));
  t.is(fake.objects.size, 0);
  await listener.on(killOccurrence('blocked'));
  await listener.on(recoveryOccurrence({ recovered: true, seconds: 5 }));
  t.deepEqual(
    (await store.read(['2026-11-20'])).map((e) => e.type),
    ['kill', 'recovery'],
  );
});

test('a write that keeps failing is tried 3 times, then rejected once; the next write goes through', async (t) => {
  const { fake, store } = setup();
  const away = () => Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  fake.failures.push(away(), away(), away());
  const error = await t.throwsAsync(store.append(entry(killOccurrence('killed'))));
  t.regex(error?.message ?? '', /history entry .* not written after 3 tries: .*unreachable/);
  t.is(fake.calls.length, 3);
  fake.failures.push(away());
  await store.append(entry(killOccurrence('killed', { at: new Date(AT.getTime() + 1) })));
  t.is(Object.keys(fake.objects.get(historyObjectName('2026-11-20', 0))?.data ?? {}).length, 1);
});

/** The largest entries the daemon can write: maximal names and texts of characters JSON escapes to 6 bytes. */
function maximalEntries(i: number): HistoryEntry[] {
  const text = '\u0001'.repeat(TEXT_MAX * 3);
  const at = new Date(AT.getTime() + i * 1000);
  const uid = `${String(i).padStart(8, '0')}-0000-0000-0000-000000000000`;
  const target: Target = {
    kind: 'Pod',
    namespace: 'n'.repeat(63),
    name: 'p'.repeat(253),
    uid,
    workload: { kind: 'StatefulSet', namespace: 'n'.repeat(63), name: 'w'.repeat(253) },
    workloadUid: uid,
  };
  return [
    entry(killOccurrence('already-gone', { at, target, outcome: { result: 'already-gone', detail: text }, reason: text })),
    entry(
      recoveryOccurrence(
        { recovered: false, seconds: 1e9, detail: text },
        { at, target, victims: 1000, hypothesis: { verdict: 'violated', expr: text, value: text, detail: text } },
      ),
    ),
  ];
}

test('the size bound: maximal names and texts stay within MAX_ENTRY_BYTES, and no object passes PART_BYTES', async (t) => {
  const { fake, store } = setup();
  for (const e of maximalEntries(0)) {
    t.true(Buffer.byteLength(entryKey(e)) + Buffer.byteLength(JSON.stringify(e)) <= MAX_ENTRY_BYTES, e.type);
    t.true(Buffer.byteLength(JSON.stringify(e)) > MAX_ENTRY_BYTES / 2, 'the case really is near the bound');
  }
  // About 2.3 parts' worth, written in order as the reporter would.
  const count = Math.ceil((2.3 * PART_BYTES) / MAX_ENTRY_BYTES / 2);
  for (let i = 0; i < count; i += 1) for (const e of maximalEntries(i)) await store.append(e);
  const objects = [...fake.objects.values()];
  t.true(objects.length >= 3, `${objects.length} parts`);
  for (const cm of objects) t.true(dataBytes(cm.data) <= PART_BYTES, `${cm.metadata?.name}: ${dataBytes(cm.data)} bytes`);
  t.true(PART_BYTES + MAX_ENTRY_BYTES < MAX_CONFIGMAP_BYTES);
  t.is((await store.read(['2026-11-20'])).length, count * 2);
});

test('after a restart the writer goes on in the newest part of the day, not the first', async (t) => {
  const { fake, store, make } = setup({ partBytes: 2000 });
  for (let i = 0; i < 16; i += 1) await store.append(entry(killOccurrence('killed', { at: new Date(AT.getTime() + i) })));
  const parts = fake.objects.size;
  t.true(parts >= 3);
  const again = make();
  await again.append(entry(killOccurrence('killed', { at: new Date(AT.getTime() + 100) })));
  const first = fake.objects.get(historyObjectName('2026-11-20', 0));
  t.true(dataBytes(first?.data) <= 2000);
  t.is(fake.objects.size >= parts && fake.objects.size <= parts + 1, true);
  for (const cm of fake.objects.values()) t.true(dataBytes(cm.data) <= 2000, cm.metadata?.name ?? '');
});

test('a part the API server refuses as too large (a racing writer filled it) rolls over to the next at once', async (t) => {
  const { fake, store } = setup();
  await store.append(entry(killOccurrence('killed')));
  fake.failures.push(statusError(422, 'ConfigMap "x" is invalid: []: Too long: must have at most 1048576 bytes'));
  const second = entry(killOccurrence('killed', { at: new Date(AT.getTime() + 1) }));
  await store.append(second);
  t.deepEqual(Object.keys(fake.objects.get(historyObjectName('2026-11-20', 1))?.data ?? {}), [entryKey(second)]);
  t.deepEqual(fake.calls.slice(-3), [
    `patch ${historyObjectName('2026-11-20', 0)}`,
    `patch ${historyObjectName('2026-11-20', 1)}`,
    `create ${historyObjectName('2026-11-20', 1)}`,
  ]);
});

test('days older than the retention are deleted at start-up and at the first write of a new day', async (t) => {
  const { fake, store, clock } = setup();
  // Entries of 40, 31, 30 and 0 days ago.
  for (const daysAgo of [40, 31, 30, 0])
    await store.append(entry(killOccurrence('killed', { at: new Date(AT.getTime() - daysAgo * DAY) })));
  // The first write of 2026-11-20 pruned: the cut-off is 2026-10-21 (30 days back), so 40 and 31 days ago went.
  t.deepEqual([...fake.objects.keys()].sort(), [historyObjectName('2026-10-21', 0), historyObjectName('2026-11-20', 0)]);
  t.deepEqual(await store.prune(clock.now()), []);
  clock.advance(DAY);
  t.deepEqual(await store.prune(clock.now()), [historyObjectName('2026-10-21', 0)]);
  clock.advance(DAY);
  await store.append(entry(killOccurrence('killed', { at: clock.now() })));
  t.deepEqual([...fake.objects.keys()].sort(), [historyObjectName('2026-11-20', 0), historyObjectName('2026-11-22', 0)]);
});

test('a start-up prune that fails is tried again at the first write of the day', async (t) => {
  const { fake, store, clock } = setup();
  const old = historyObjectName('2026-10-11', 0);
  fake.objects.set(old, {
    metadata: {
      name: old,
      labels: {
        'app.kubernetes.io/name': 'kube-havoc',
        'app.kubernetes.io/component': 'history',
        'kube-havoc/history-day': '2026-10-11',
      },
    },
    data: {},
  });
  const away = () => Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  fake.failures.push(away());
  await t.throwsAsync(store.prune(clock.now()), { message: /prune the history.*unreachable/ });
  t.is(fake.objects.size, 1);
  await store.append(entry(killOccurrence('killed')));
  t.deepEqual([...fake.objects.keys()], [historyObjectName('2026-11-20', 0)]);
});

test("appendAll writes a day's entries in one patch per part, and the days in order; the same keys as append", async (t) => {
  const { fake, store } = setup({ partBytes: 4000 });
  const kills = (day: number, n: number) =>
    Array.from({ length: n }, (_, i) => entry(killOccurrence('killed', { at: new Date(AT.getTime() - day * DAY + i * 1000) })));
  const older = kills(2, 20);
  const today = kills(0, 3);
  await store.appendAll([...older, ...today]);
  const patches = fake.calls.filter((c) => c.startsWith('patch') || c.startsWith('create'));
  const dayOf = (c: string) => c.replace(/^\S+ kube-havoc-history-/, '').slice(0, 10);
  const olderDay = utcDate(new Date(AT.getTime() - 2 * DAY));
  t.deepEqual([...new Set(patches.map(dayOf))], [olderDay, '2026-11-20'], 'one day after the other');
  const parts = [...fake.objects.values()].filter((cm) => cm.metadata?.labels?.['kube-havoc/history-day'] === olderDay);
  t.true(parts.length >= 2, `${parts.length} parts of ${olderDay}`);
  for (const cm of parts) t.true(dataBytes(cm.data) <= 4000, `${cm.metadata?.name}: ${dataBytes(cm.data)} bytes`);
  // Each part costs one patch answered 404 and one create: no request per entry.
  t.is(patches.filter((c) => dayOf(c) === olderDay).length, 2 * parts.length);
  t.deepEqual((await store.read([olderDay, '2026-11-20'])).map(entryKey).sort(), [...older, ...today].map(entryKey).sort());
});

test('appendAll stops at the first day it cannot write, naming the entries', async (t) => {
  const { fake, store } = setup();
  const away = () => Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  fake.failures.push(away(), away(), away());
  const two = [0, 1].map((i) => entry(killOccurrence('killed', { at: new Date(AT.getTime() + i) })));
  const error = await t.throwsAsync(store.appendAll(two));
  t.regex(error?.message ?? '', /history entries \S+ and 1 more not written after 3 tries/);
});

test('an entry written again into a later part (a repeated move after a restart) is read once', async (t) => {
  const { fake, store, make } = setup({ partBytes: 2000 });
  const kills = Array.from({ length: 24 }, (_, i) => entry(killOccurrence('killed', { at: new Date(AT.getTime() + i) })));
  await store.appendAll(kills);
  const parts = fake.objects.size;
  t.true(parts >= 3, `${parts} parts`);
  // The next process locates the newest part and writes every entry again there and after it.
  await make().appendAll(kills);
  t.true(fake.objects.size > parts, 'the repeat landed in other parts');
  const read = await store.read(['2026-11-20']);
  t.deepEqual(read.map(entryKey).sort(), kills.map(entryKey).sort());
});

test('of one key in several parts the newest part wins, by part number and not by name', async (t) => {
  const { fake, store } = setup();
  const kill = entry(killOccurrence('killed'));
  const part = (n: number, result: string) => {
    const name = historyObjectName('2026-11-20', n);
    fake.objects.set(name, {
      metadata: {
        name,
        labels: {
          'app.kubernetes.io/name': 'kube-havoc',
          'app.kubernetes.io/component': 'history',
          'kube-havoc/history-day': '2026-11-20',
        },
      },
      data: { [entryKey(kill)]: JSON.stringify({ ...kill, result }) },
    });
  };
  // Listed by name, part 10 comes before part 2.
  part(2, 'blocked');
  part(10, 'killed');
  part(0, 'failed');
  t.deepEqual(await store.read(['2026-11-20']), [kill]);
});
