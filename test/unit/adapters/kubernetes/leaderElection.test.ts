import test from 'ava';
import { createLeaderElector, type LeaderElectorOptions } from '../../../../src/adapters/kubernetes/leaderElection.ts';
import {
  decideLease,
  stillLeader,
  type LeaseDecision,
  type LeaseSituation,
} from '../../../../src/adapters/kubernetes/leaseDecision.ts';
import { fakeClock, type FakeClock } from '../../fakes/fakeClock.ts';
import { createFakeApiServer, silentLog, statusError } from './fakeApiServer.ts';

/** The election runs its own renewal loop: its sleeps wait until the test advances the time. */
const electionClock = () => fakeClock(new Date('2025-03-07T10:00:00Z'), { sleeps: 'wait' });

// The decision's times are milliseconds on the monotonic clock.
const t0 = 1_000_000;
const at = (seconds: number) => t0 + seconds * 1000;
const base: Omit<LeaseSituation, 'lease'> = { identity: 'me', now: t0, observedAt: t0, defaultDurationSeconds: 15 };

const decisions: [string, Partial<LeaseSituation>, LeaseDecision['action']][] = [
  ['no Lease object: create it', { lease: undefined }, 'create'],
  ['we hold it: renew', { lease: { holder: 'me', durationSeconds: 15 } }, 'renew'],
  [
    'we hold it even after a long pause: renew (the write proves nobody took it)',
    { lease: { holder: 'me', durationSeconds: 15 }, now: at(60) },
    'renew',
  ],
  ['released (no holder): acquire at once', { lease: { holder: '', durationSeconds: 1 } }, 'acquire'],
  ['held by another, just seen: wait', { lease: { holder: 'other', durationSeconds: 15 }, now: at(0) }, 'wait'],
  [
    'held by another, seen unchanged for 14.9 s of 15: wait',
    { lease: { holder: 'other', durationSeconds: 15 }, now: at(14.9) },
    'wait',
  ],
  [
    'held by another, unchanged for the whole duration: acquire',
    { lease: { holder: 'other', durationSeconds: 15 }, now: at(15) },
    'acquire',
  ],
  ["the Lease's own duration counts, not ours", { lease: { holder: 'other', durationSeconds: 60 }, now: at(30) }, 'wait'],
  ['no duration on the Lease: ours', { lease: { holder: 'other' }, now: at(15) }, 'acquire'],
];
for (const [title, situation, action] of decisions) {
  test(`lease decision: ${title}`, (t) => {
    t.is(decideLease({ ...base, lease: undefined, ...situation }).action, action);
  });
}

test('lease decision: waiting says until when, counted from when we saw it', (t) => {
  t.deepEqual(decideLease({ ...base, lease: { holder: 'other', durationSeconds: 15 }, observedAt: at(5), now: at(10) }), {
    action: 'wait',
    holder: 'other',
    expiresAt: at(20),
  });
});

test('leadership lapses at the renew deadline on our own clock', (t) => {
  t.false(stillLeader(undefined, t0, 10_000));
  t.true(stillLeader(t0, at(9.999), 10_000));
  t.false(stillLeader(t0, at(10), 10_000));
});

function elector(
  identity: string,
  api: ReturnType<typeof createFakeApiServer>,
  clock: FakeClock,
  changes: boolean[] = [],
  over: Partial<LeaderElectorOptions> = {},
) {
  return createLeaderElector({
    leaseApi: api.leases,
    namespace: 'havoc',
    leaseName: 'kube-havoc',
    identity,
    leaseDurationSeconds: 15,
    renewIntervalSeconds: 5,
    clock,
    log: silentLog,
    onChange: (leader) => changes.push(leader),
    ...over,
  });
}

test('two candidates: exactly one leads; the other takes over only after the lease has lapsed for the leader', async (t) => {
  const api = createFakeApiServer();
  const clock = electionClock();
  const aChanges: boolean[] = [];
  const a = elector('a', api, clock, aChanges);
  const b = elector('b', api, clock);
  t.true(await a.refresh());
  t.false(await b.refresh());
  t.deepEqual(aChanges, [true]);
  t.is(api.leaseStore.peek('havoc', 'kube-havoc')?.spec?.holderIdentity, 'a');

  // a renews every 5 s; b keeps seeing a new version and keeps waiting.
  for (let i = 0; i < 4; i += 1) {
    clock.advance(5000);
    t.true(await a.refresh());
    t.false(await b.refresh());
  }
  // a's last successful renewal was now; then the API fails for a only.
  const renewed = clock.now().getTime();
  api.failNext(statusError(503, 'unavailable'));
  clock.advance(5000);
  t.false(await b.refresh(), 'b saw the last renewal 5 s ago');
  clock.advance(4999);
  t.true(a.isLeader());
  clock.advance(1);
  t.false(a.isLeader(), 'a stops acting 10 s (duration - interval) after its last renewal');
  t.is(clock.now().getTime() - renewed, 10_000);
  clock.advance(4999);
  t.false(await b.refresh(), 'b may not take over before 15 s without change');
  clock.advance(1);
  t.true(await b.refresh(), 'b takes over once the lease has been unchanged for its duration');
  t.false(a.isLeader());
  const lease = api.leaseStore.peek('havoc', 'kube-havoc');
  t.is(lease?.spec?.holderIdentity, 'b');
  t.is(lease?.spec?.leaseTransitions, 1);
  // a comes back: it reads b's lease and waits.
  t.false(await a.refresh());
  t.deepEqual(aChanges, [true, false]);
});

test('the holder renews with one write per interval and no read', async (t) => {
  const api = createFakeApiServer();
  const clock = electionClock();
  const a = elector('a', api, clock);
  await a.refresh();
  api.calls.length = 0;
  clock.advance(5000);
  await a.refresh();
  t.deepEqual(api.calls, ['update leases']);
  const renewTime = api.leaseStore.peek('havoc', 'kube-havoc')?.spec?.renewTime as unknown as string;
  t.regex(renewTime, /^2025-03-07T10:00:05\.000000Z$/, 'MicroTime with six fractional digits');
});

test('a conflicting write by someone else makes the holder look again at once', async (t) => {
  const api = createFakeApiServer();
  const clock = electionClock();
  const a = elector('a', api, clock);
  await a.refresh();
  api.leaseStore.touch('havoc', 'kube-havoc', (lease) => ({ ...lease, spec: { ...lease.spec, holderIdentity: 'intruder' } }));
  clock.advance(5000);
  t.false(await a.refresh());
  t.false(a.isLeader());
});

test('stop releases the lease so the other candidate acquires at its next try', async (t) => {
  const api = createFakeApiServer();
  const clock = electionClock();
  const aChanges: boolean[] = [];
  const a = elector('a', api, clock, aChanges);
  const b = elector('b', api, clock);
  await a.start();
  t.true(a.isLeader());
  t.false(await b.refresh());
  await a.stop();
  t.false(a.isLeader());
  t.deepEqual(aChanges, [true, false]);
  const lease = api.leaseStore.peek('havoc', 'kube-havoc');
  t.is(lease?.spec?.holderIdentity, undefined);
  t.is(lease?.spec?.leaseDurationSeconds, 1);
  clock.advance(1);
  t.true(await b.refresh());
});

test('API errors are logged with their kind and never make a leader', async (t) => {
  const api = createFakeApiServer();
  const clock = electionClock();
  const warnings: object[] = [];
  const reported: string[] = [];
  const a = createLeaderElector({
    leaseApi: api.leases,
    namespace: 'havoc',
    leaseName: 'kube-havoc',
    identity: 'a',
    leaseDurationSeconds: 15,
    renewIntervalSeconds: 5,
    clock,
    log: { ...silentLog, warn: (o: object) => warnings.push(o) },
    report: (o) => reported.push(o.type === 'error' ? o.kind : o.type),
  });
  const forbidden = statusError(403, 'leases.coordination.k8s.io "kube-havoc" is forbidden');
  api.failNext(forbidden, forbidden);
  t.false(await a.refresh());
  t.false(await a.refresh());
  t.is(warnings.length, 2, 'every failed try is logged');
  t.like(warnings[0], { kind: 'forbidden', status: 403 });
  t.deepEqual(reported, ['forbidden'], 'the outage is announced once');
  t.true(await a.refresh(), 'the next try works');
  api.failNext(forbidden);
  await a.refresh();
  t.deepEqual(reported, ['forbidden', 'forbidden'], 'a new outage is announced again');
});

test('at the defaults a leader makes one write a minute; a failed renewal is tried again after 5 s, within its term', async (t) => {
  const api = createFakeApiServer();
  const clock = electionClock();
  const changes: boolean[] = [];
  // The shipped defaults: leaseDuration 3m, renewInterval 1m.
  const a = elector('a', api, clock, changes, { leaseDurationSeconds: 180, renewIntervalSeconds: 60 });
  const turn = async (ms: number) => {
    clock.advance(ms);
    for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  await a.start();
  t.true(a.isLeader());
  api.calls.length = 0;
  await turn(59_000);
  t.deepEqual(api.calls, [], 'nothing between renewals');
  await turn(1000);
  t.deepEqual(api.calls, ['update leases'], 'one write per renew interval');
  api.failNext(statusError(503, 'unavailable'), statusError(503, 'unavailable'));
  await turn(60_000);
  t.is(api.calls.length, 2, 'the renewal failed');
  await turn(4999);
  t.is(api.calls.length, 2);
  await turn(1);
  t.is(api.calls.length, 3, 'tried again after RETRY_SECONDS, not a whole interval');
  await turn(5000);
  t.is(api.calls.at(-1), 'update leases');
  t.true(a.isLeader(), 'the term outlasted the outage');
  t.deepEqual(changes, [true], 'leadership never lapsed');
  const renewed = api.calls.length;
  await turn(59_999);
  t.is(api.calls.length, renewed, 'healthy again: back to one write per interval');
  await a.stop();
});

test('a lease duration shorter than two renew intervals is refused', (t) => {
  const api = createFakeApiServer();
  t.throws(
    () =>
      createLeaderElector({
        leaseApi: api.leases,
        namespace: 'havoc',
        leaseName: 'l',
        identity: 'a',
        leaseDurationSeconds: 8,
        renewIntervalSeconds: 5,
        clock: electionClock(),
        log: silentLog,
      }),
    { message: /at least twice/ },
  );
});

test("the install's advertisement rides on the Lease's own writes: created with it, kept by renewals, no request of its own", async (t) => {
  const api = createFakeApiServer();
  const clock = electionClock();
  const advertise = { labels: { 'havoc/install': 'havoc.kube-havoc-state' }, annotations: { 'havoc/install-scope': '{"x":1}' } };
  const a = elector('a', api, clock, [], { advertise });
  t.true(await a.refresh());
  t.deepEqual(api.leaseStore.peek('havoc', 'kube-havoc')?.metadata?.labels, advertise.labels, 'created with it');
  clock.advance(5000);
  t.true(await a.refresh());
  const stored = api.leaseStore.peek('havoc', 'kube-havoc');
  t.deepEqual(stored?.metadata?.labels, advertise.labels, 'kept by the renewal');
  t.deepEqual(stored?.metadata?.annotations, advertise.annotations);
  t.deepEqual(
    [...new Set(api.calls)].sort(),
    ['create leases', 'get leases', 'update leases'],
    'the elector writes it: no patch, no other object',
  );
});

test("a step back of the leader's wall clock does not stretch its term: it is measured on the monotonic clock", async (t) => {
  const api = createFakeApiServer();
  const clock = electionClock();
  const a = elector('a', api, clock);
  t.true(await a.refresh());
  clock.step(-60_000); // NTP or an operator; then a's renewals stop reaching the API
  clock.advance(9_999);
  t.true(a.isLeader());
  clock.advance(1);
  t.false(a.isLeader(), 'a stops acting 10 s (duration - interval) after its last renewal began');
});

test("a step forward of a candidate's wall clock does not shorten its wait: expiry is measured on the monotonic clock", async (t) => {
  const api = createFakeApiServer();
  const a = elector('a', api, electionClock());
  const bClock = electionClock();
  const b = elector('b', api, bClock);
  t.true(await a.refresh());
  t.false(await b.refresh(), 'b first sees the version a wrote');
  bClock.step(60_000);
  t.false(await b.refresh(), 'b has seen that version for no time at all: it waits');
  bClock.advance(14_999);
  t.false(await b.refresh(), 'b waits the full 15 s since it first saw the version');
  bClock.advance(1);
  t.true(await b.refresh());
});

test('a Lease deleted under the holder: the 404 of its renewal ends its term at once, before a standby creates it', async (t) => {
  const api = createFakeApiServer();
  const clock = electionClock();
  const aChanges: boolean[] = [];
  const a = elector('a', api, clock, aChanges);
  const b = elector('b', api, clock);
  t.true(await a.refresh());
  api.leaseStore.remove('havoc', 'kube-havoc');
  clock.advance(5000);
  // The renewal reaches the API (404); the look that follows it fails.
  api.failNext(undefined, statusError(503, 'unavailable'));
  t.false(await a.refresh());
  t.false(a.isLeader(), 'not leader for the rest of its term');
  t.deepEqual(aChanges, [true, false]);
  t.true(await b.refresh(), 'a standby finds no Lease, creates it and leads at once');
  t.false(a.isLeader());
});

test('a Lease deleted under the holder: it creates the Lease again at once, and a standby then waits', async (t) => {
  const api = createFakeApiServer();
  const clock = electionClock();
  const a = elector('a', api, clock);
  const b = elector('b', api, clock);
  t.true(await a.refresh());
  api.leaseStore.remove('havoc', 'kube-havoc');
  clock.advance(5000);
  t.true(await a.refresh(), 'a new term, from the create');
  t.is(api.leaseStore.peek('havoc', 'kube-havoc')?.spec?.holderIdentity, 'a');
  t.false(await b.refresh(), 'exactly one leads');
});
