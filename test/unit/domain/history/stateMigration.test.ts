// Issue 21, migration: a daemon upgraded over the state an older kube-havoc
// wrote (every record in the state ConfigMap, no history) reads it, moves its
// settled records into the durable history by day, and keeps the budget, the
// gaps, the old run's reservations and the kill switch. The old state comes
// from test/unit/fakes/oldState.ts, written in the old format's field names.

import test from 'ava';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { createConfigMapStateStore, type ConfigMapApi } from '../../../../src/adapters/kubernetes/configMapStateStore.ts';
import { PAUSE_ANNOTATION } from '../../../../src/adapters/kubernetes/pauseAnnotation.ts';
import { budgetLeft, historySeconds, lastAttempt } from '../../../../src/domain/budget/budget.ts';
import { boundedStateStore } from '../../../../src/domain/boundedStateStore.ts';
import type { HistoryEntry } from '../../../../src/domain/history/historyEntry.ts';
import type { HistoryStore } from '../../../../src/domain/history/historyStore.ts';
import { migratingStateStore, recordEntries } from '../../../../src/domain/history/migratingStateStore.ts';
import { resumeChaos } from '../../../../src/domain/killSwitch.ts';
import { createChaosRound } from '../../../../src/domain/round/chaosRound.ts';
import { STATE_BOUNDS, STATE_FORMAT, type HavocState, type KillRecord } from '../../../../src/domain/state.ts';
import { createFakeApiServer, silentLog, statusError } from '../../adapters/kubernetes/fakeApiServer.ts';
import { fakeClock, type FakeClock } from '../../fakes/fakeClock.ts';
import { deployment, fakeCluster } from '../../fakes/fakeCluster.ts';
import { memoryHistoryStore } from '../../fakes/memoryHistoryStore.ts';
import {
  oldBudgetRecords,
  oldDrainRecord,
  oldLongRecords,
  oldPodRecord,
  oldStateConfigMap,
  oldStateJson,
  type OldState,
} from '../../fakes/oldState.ts';
import { recorder, recordingLog } from '../../fakes/recordingListener.ts';
import { roundDeps } from '../../fakes/roundDeps.ts';
import { testSettings } from '../../fakes/settings.ts';

const NOW = new Date('2026-11-20T09:00:00Z');
const NS = 'havoc';
const NAME = 'kube-havoc-state';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const utcDay = (t: Date) => t.toISOString().slice(0, 10);
const env = {
  HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '1',
  HAVOC_BLAST_RADIUS_MAX_KILLS_PER_HOUR: '4',
  HAVOC_BLAST_RADIUS_MAX_KILLS_PER_DAY: '4',
  HAVOC_SELECTION_MIN_TIME_BETWEEN_KILLS: '1h',
};
const alwaysHit = { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' };
const oncall = { reason: 'incident 4711', by: 'oncall', at: ago(HOUR).toISOString(), announced: true };

/** The old run's db reservation names a pod the fake cluster has, untouched. */
const budgetRecords = () => oldBudgetRecords(NOW, 'shop', { name: 'db-0', uid: 'uid-db-0' });

/** Weeks of old records (2 to 20 days back), and 3 from 40 days ago, past the history's 30-day retention. */
function pastRecords() {
  return [
    ...oldLongRecords({ now: NOW, count: 40, fromHoursAgo: 48, everyMinutes: 630, namespace: 'legacy', workloads: 8 }),
    ...oldLongRecords({ now: NOW, count: 3, fromHoursAgo: 40 * 24, everyMinutes: 60, namespace: 'ancient', workloads: 1 }),
    oldDrainRecord(ago(3 * DAY), 'worker-1', 'killed'),
    oldPodRecord({
      at: ago(4 * DAY),
      namespace: 'legacy',
      workload: 'batch',
      victims: [
        { name: 'batch-0', uid: 'uid-batch-0' },
        { name: 'batch-1', uid: 'uid-batch-1' },
      ],
      result: 'killed',
      count: 1,
    }),
    oldPodRecord({
      at: ago(5 * DAY),
      namespace: 'legacy',
      workload: 'batch',
      victims: [{ name: 'batch-2', uid: 'uid-batch-2' }],
      result: 'not-attempted',
      count: 1,
    }),
  ];
}

/** The fake API server's ConfigMaps, refusing data over 1 MiB with 422 as the real one does. */
function sizedConfigMaps(api: ConfigMapApi, refused: number[]): ConfigMapApi {
  const check = (body: V1ConfigMap) => {
    const bytes = Object.entries(body.data ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (bytes > 1_048_576) {
      refused.push(bytes);
      throw statusError(422, `ConfigMap "${NAME}" is invalid: []: Too long: must have at most 1048576 bytes`);
    }
  };
  return {
    readNamespacedConfigMap: (r) => api.readNamespacedConfigMap(r),
    createNamespacedConfigMap: (r) => (check(r.body), api.createNamespacedConfigMap(r)),
    replaceNamespacedConfigMap: (r) => (check(r.body), api.replaceNamespacedConfigMap(r)),
  };
}

/** The old daemon's ConfigMap in a fake API server, and the new daemon's store over it, wired as src/main.ts wires it. */
function upgrade(
  old: Omit<OldState, 'now'>,
  options: { history?: Pick<HistoryStore, 'appendAll'>; annotations?: Record<string, string>; clock?: FakeClock } = {},
) {
  const api = createFakeApiServer();
  const json = oldStateJson({ ...old, now: NOW });
  void api.configMapStore.create(NS, oldStateConfigMap(NS, NAME, json, options.annotations) as V1ConfigMap);
  const refused: number[] = [];
  const clock = options.clock ?? fakeClock(NOW);
  const settings = testSettings(env);
  const memory = memoryHistoryStore();
  const history = options.history ?? memory;
  const events = recorder();
  const log = recordingLog();
  const daemon = () =>
    migratingStateStore({
      store: boundedStateStore({
        store: createConfigMapStateStore({
          configMapApi: sizedConfigMaps(api.configMaps, refused),
          namespace: NS,
          name: NAME,
          log: silentLog,
          now: () => clock.now(),
        }),
        clock,
        compact: { keepSeconds: historySeconds(settings.minGapSeconds), minGapSeconds: settings.minGapSeconds },
      }),
      history,
      clock,
      localDate: utcDay,
      retentionSeconds: 30 * 86_400,
      report: events.report,
      log,
    });
  const stored = () => JSON.parse(api.configMapStore.peek(NS, NAME)?.data?.['state.json'] ?? '{}') as HavocState;
  return { api, store: daemon(), daemon, clock, settings, memory, events, log, refused, json, stored };
}

/** The first write a new leader makes: its summary (settleLeftovers). */
const firstWrite = (store: { update: (c: (s: HavocState) => HavocState) => Promise<HavocState> }) =>
  store.update((s) => ({
    ...s,
    daemon: { by: 'havoc-new-0@now', since: NOW.toISOString(), dryRun: false, caps: testSettings(env).caps },
  }));

const entries = (memory: ReturnType<typeof memoryHistoryStore>) => [...memory.days.values()].flatMap((d) => [...d.values()]);

test('a settled record of an older daemon stands for one kill entry per victim and its verdict; a guess is never made', (t) => {
  const rows: [string, Record<string, unknown>, Partial<HistoryEntry>[]][] = [
    [
      'a kill with its verdict',
      oldPodRecord({
        at: NOW,
        namespace: 'shop',
        workload: 'web',
        victims: [{ name: 'web-1', uid: 'u1' }],
        result: 'killed',
        count: 1,
        recovery: { recovered: false, seconds: 300, hypothesis: { verdict: 'violated', detail: 'VIOLATED: up == 1' } },
      }),
      [
        {
          type: 'kill',
          at: NOW.toISOString(),
          result: 'killed',
          target: { kind: 'Pod', namespace: 'shop', name: 'web-1', uid: 'u1', workloadKind: 'Deployment', workload: 'web' },
        },
        {
          type: 'recovery',
          at: new Date(NOW.getTime() + 300_000).toISOString(),
          recovered: false,
          seconds: 300,
          victims: 1,
          hypothesis: { verdict: 'violated', detail: 'VIOLATED: up == 1' },
        },
      ],
    ],
    [
      'a blocked eviction',
      oldPodRecord({
        at: NOW,
        namespace: 'shop',
        workload: 'web',
        victims: [{ name: 'web-1', uid: 'u1' }],
        result: 'blocked',
        count: 0,
      }),
      [{ type: 'kill', result: 'blocked' }],
    ],
    [
      'two victims and one result: which pod had it is not known',
      oldPodRecord({
        at: NOW,
        namespace: 'shop',
        workload: 'web',
        victims: [
          { name: 'web-1', uid: 'u1' },
          { name: 'web-2', uid: 'u2' },
        ],
        result: 'killed',
        count: 1,
      }),
      [
        {
          type: 'kill',
          result: 'unknown',
          detail:
            'recorded by an older kube-havoc as one attempt on 2 pods: killed, 1 disrupted; the outcome of each pod was not kept',
        },
        { type: 'kill', result: 'unknown' },
      ],
    ],
    [
      'a drain',
      oldDrainRecord(NOW, 'worker-1', 'killed'),
      [{ type: 'kill', action: 'node-drain', result: 'killed', target: { kind: 'Node', name: 'worker-1', uid: 'uid-worker-1' } }],
    ],
    [
      'an instant that is not a date',
      {
        ...oldPodRecord({
          at: NOW,
          namespace: 'shop',
          workload: 'web',
          victims: [{ name: 'web-1', uid: 'u1' }],
          result: 'killed',
          count: 1,
        }),
        at: 'yesterday',
      },
      [],
    ],
    [
      'a reservation nobody settled yet',
      oldPodRecord({ at: NOW, namespace: 'shop', workload: 'web', victims: [], result: 'reserved', count: 1 }),
      [],
    ],
    [
      'victims found untouched',
      oldPodRecord({
        at: NOW,
        namespace: 'shop',
        workload: 'web',
        victims: [{ name: 'web-1', uid: 'u1' }],
        result: 'not-attempted',
        count: 1,
      }),
      [],
    ],
  ];
  for (const [what, record, expected] of rows) {
    const got = recordEntries(record as unknown as KillRecord);
    t.is(got.length, expected.length, what);
    expected.forEach((e, i) => t.like(got[i], e, what));
  }
});

test('an upgraded daemon moves the old records into the history by day, and keeps budget, gaps and the kill switch', async (t) => {
  const { store, memory, stored, settings, json } = upgrade({ kills: [...budgetRecords(), ...pastRecords()], paused: oncall });
  const before = JSON.parse(json) as HavocState;
  const budget = (s: HavocState) => budgetLeft({ history: s.kills, now: NOW, caps: settings.caps, dryRun: false });
  t.deepEqual(budget(before), { tick: 1, hour: 2, day: 1 }, 'the old state: 2 of the hour and 3 of the day spent');

  await firstWrite(store);
  const after = stored();
  t.is(after.format, STATE_FORMAT);
  t.deepEqual(budget(after), budget(before), 'the budget spent today and this hour');
  for (const target of ['shop/Deployment/web', 'shop/Deployment/db', 'elsewhere/Deployment/gone'])
    t.deepEqual(lastAttempt(after.kills, target, false), lastAttempt(before.kills, target, false), `the gap of ${target}`);
  t.deepEqual(after.paused, oncall, 'the kill switch');
  t.deepEqual(
    after.kills.map((k) => `${k.target} ${k.result}`),
    ['shop/Deployment/web killed', 'elsewhere/Deployment/gone killed', 'shop/Deployment/db reserved'],
    'the hot state keeps the day and the reservation for the usual settlement; the rest is in the history',
  );

  const moved = entries(memory);
  const kills = moved.filter((e) => e.type === 'kill');
  // 40 long records (20 killed with a verdict, 20 blocked), the drain, 2 for the two-victim attempt, web and gone.
  t.is(kills.length, 40 + 1 + 2 + 2);
  t.is(moved.filter((e) => e.type === 'recovery').length, 20 + 1);
  t.false(
    moved.some((e) => e.target.kind === 'Pod' && e.target.namespace === 'ancient'),
    'days past the retention are not written',
  );
  t.false(
    moved.some((e) => e.target.name === 'db-0' || e.target.name === 'batch-2'),
    'no reservation, nothing not attempted',
  );
  for (const [day, held] of memory.days)
    t.true(
      [...held.values()].every((e) => utcDay(new Date(e.at)) === day),
      `day ${day} holds only its own entries`,
    );
  t.true(memory.days.size >= 10, `${memory.days.size} days`);
  t.is(memory.batches.length, memory.days.size, "one appendAll per day: the store writes a day's entries together");
});

test('an old state near the 1 MiB limit (900 records with long texts) is compacted by the first write, not refused', async (t) => {
  const kills = [
    ...budgetRecords(),
    ...oldLongRecords({
      now: NOW,
      count: 900,
      fromHoursAgo: 25,
      everyMinutes: 30,
      namespace: 'storefront-production-eu',
      workloads: 60,
    }),
  ];
  const { store, stored, refused, json, memory } = upgrade({ kills, paused: oncall });
  t.true(json.length > 1_000_000, `${json.length} bytes stored by the old daemon`);

  await firstWrite(store);
  t.deepEqual(refused, [], 'no write refused');
  const after = JSON.stringify(stored());
  t.true(after.length < 4096, `${after.length} bytes after the first write`);
  t.deepEqual(stored().paused, oncall);
  t.is(entries(memory).filter((e) => e.type === 'kill').length, 900 + 2);
  // And a reservation right after fits its lower ceiling.
  await store.update((s) => ({ ...s, kills: [...s.kills, { ...s.kills[0], id: 'new' } as KillRecord] }), {
    maxBytes: STATE_BOUNDS.reserveBytes,
  });
  t.is(stored().kills.length, 4);
});

test('the havoc/pause annotation of an old state ConfigMap holds through the move', async (t) => {
  const { api, store } = upgrade(
    { kills: pastRecords() },
    { annotations: { [PAUSE_ANNOTATION]: 'freeze', 'havoc/paused-by': 'sre' } },
  );
  await firstWrite(store);
  t.is(api.configMapStore.peek(NS, NAME)?.metadata?.annotations?.[PAUSE_ANNOTATION], 'freeze');
  t.like((await store.load()).paused, { reason: 'freeze', by: 'sre', source: 'annotation' });
});

test('a moved state is not moved again: a later daemon writes nothing old into the history', async (t) => {
  const appended: HistoryEntry[] = [];
  const history = { appendAll: async (e: readonly HistoryEntry[]) => void appended.push(...e) };
  const { store, daemon } = upgrade({ kills: [...budgetRecords(), ...pastRecords()] }, { history });
  await firstWrite(store);
  await firstWrite(store);
  const moved = appended.length;
  t.true(moved > 40);
  await firstWrite(daemon());
  t.is(appended.length, moved, 'the restarted daemon found the state marked');
});

test('a history that cannot be written holds nothing back: reported once, and the state is written with budget and pause', async (t) => {
  let tries = 0;
  const history = {
    appendAll: async () => {
      tries += 1;
      throw new Error('configmaps is forbidden');
    },
  };
  const { store, stored, events, settings } = upgrade(
    { kills: [...budgetRecords(), ...pastRecords()], paused: oncall },
    { history },
  );
  await firstWrite(store);
  await firstWrite(store);
  t.is(tries, 1, 'the move stops at the first day that failed, and is not tried again');
  t.deepEqual(
    events.of('error').map((e) => e.message),
    [
      'moving the records of an older kube-havoc into the history stopped after 0 of 66 entries: configmaps is forbidden; ' +
        'the rest is not in the history (the budget still counts what it needs)',
    ],
  );
  t.is(stored().format, STATE_FORMAT);
  t.deepEqual(stored().paused, oncall);
  t.deepEqual(budgetLeft({ history: stored().kills, now: NOW, caps: settings.caps, dryRun: false }), {
    tick: 1,
    hour: 2,
    day: 1,
  });
});

test("after the upgrade the old run's reservation is settled, nothing is killed while paused, and after resume the caps count the old kills", async (t) => {
  const clock = fakeClock(NOW);
  const { store, stored, memory } = upgrade({ kills: [...budgetRecords(), ...pastRecords()], paused: oncall }, { clock });
  const started = ago(DAY);
  const cluster = fakeCluster(['web', 'api', 'db'].map((name) => deployment('shop', name, 2, alwaysHit, started)));
  const { deps, events } = roundDeps({ cluster, clock, env, store });
  const round = createChaosRound({ ...deps, owner: 'havoc-new-0@now' });
  const tick = async () => {
    const at = clock.now();
    const summary = await round.tick({ at, nextTick: new Date(at.getTime() + 600_000) });
    await round.settle();
    clock.advance(60_000);
    return summary.outcome;
  };

  t.deepEqual([await tick(), await tick()], ['paused', 'paused']);
  t.deepEqual(cluster.kills, [], 'nothing killed while paused');
  t.like(
    stored().kills.find((k) => k.target === 'shop/Deployment/db'),
    { result: 'not-attempted', count: 1 },
    'the old reservation settled as usual: its victim untouched, the budget still charged',
  );
  t.true(entries(memory).length > 40, 'the old kills are in the history');

  await resumeChaos({ store, by: 'oncall', now: clock.now() });
  const outcomes = [await tick(), await tick(), await tick()];
  t.deepEqual(
    cluster.kills.map((k) => k.pod.replace(/-\d+$/, '')),
    ['shop/api'],
    'one kill: the day cap of 4 counts the 3 old ones; web and db wait out their gap',
  );
  t.deepEqual(outcomes.slice(1), ['idle', 'idle']);
  t.is(events.of('tick').at(-1)?.budget?.day, 0);
});
