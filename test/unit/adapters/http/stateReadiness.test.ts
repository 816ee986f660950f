// /readyz notices a state that cannot be written (etcd stopped: GET /version
// still answers, the state's reads and writes do not), and is ready again at
// the next write that goes through; an old failure of a daemon that writes
// nothing stops counting, and writes that keep failing hold it not ready.

import { request } from 'node:http';
import test from 'ava';
import { createHealthServer } from '../../../../src/adapters/http/healthServer.ts';
import { createReadiness } from '../../../../src/adapters/http/readiness.ts';
import { createStateReadiness } from '../../../../src/adapters/http/stateReadiness.ts';
import { StateFull } from '../../../../src/domain/boundedStateStore.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';
import { memoryStateStore } from '../../fakes/memoryStateStore.ts';
import { recordingLog } from '../../fakes/recordingListener.ts';
import type { StateStore } from '../../../../src/domain/ports.ts';
import type { HavocState } from '../../../../src/domain/state.ts';

const AT = new Date('2026-11-20T09:00:00Z');
const MINUTE = 60_000;
const timeout = () =>
  Object.assign(new Error('no answer from the API server within 10s (PUT configmaps/kube-havoc-state)'), {
    kind: 'api-unreachable',
  });

function setup() {
  const clock = fakeClock(AT);
  const log = recordingLog();
  const inner = memoryStateStore();
  const health = createStateReadiness({ clock, holdSeconds: 15 * 60, log });
  const store = health.watch(inner);
  const readiness = createReadiness({ conditions: ['config', 'api'], checks: { state: health.problem } });
  readiness.set('config', true);
  readiness.set('api', true);
  const write = () => store.update((s) => ({ ...s, dayPlanSentFor: clock.now().toISOString() })).catch(() => undefined);
  const read = () => store.load().catch(() => undefined);
  return { clock, log, inner, store, readiness, write, read };
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a state write that fails makes /readyz say "not ready: state", the log says why, and the next write that succeeds makes it ready', async (t) => {
  const { log, inner, readiness, write } = setup();
  const server = await createHealthServer({
    readiness: () => readiness.status(),
    host: '127.0.0.1',
    port: 0,
    log,
  });
  t.teardown(() => server.close());
  t.like(await get(`${server.url}/readyz`), { status: 200, body: 'ok\n' });

  inner.failWrites = timeout();
  await write();
  t.like(await get(`${server.url}/readyz`), { status: 503, body: 'not ready: state\n' });
  t.regex(readiness.status().unmet.join('\n'), /^state: the state cannot be written: no answer from the API server within 10s/);
  const warned = log.lines.filter((l) => l.level === 'warn');
  t.is(warned.length, 1);
  t.regex(warned[0]!.msg ?? '', /not ready: the state cannot be written: no answer from the API server within 10s/);

  await write();
  t.is(log.lines.filter((l) => l.level === 'warn').length, 1, 'said once per outage, not per failed write');
  inner.failWrites = undefined;
  await write();
  t.like(await get(`${server.url}/readyz`), { status: 200, body: 'ok\n' });
  t.regex(log.lines.at(-1)?.msg ?? '', /state written again: ready/);
});

test('a read that succeeds does not undo a failed write (an etcd out of space still serves reads); a failed read needs only a read', async (t) => {
  const { inner, readiness, write, read } = setup();
  inner.failWrites = timeout();
  await write();
  await read();
  t.deepEqual(readiness.status().codes, ['state']);

  inner.failWrites = undefined;
  await write();
  t.true(readiness.status().ready);
  const load = inner.load;
  inner.load = async () => {
    throw timeout();
  };
  await read();
  t.deepEqual(readiness.status().codes, ['state']);
  t.regex(readiness.status().unmet.join('\n'), /the state cannot be read/);
  inner.load = load;
  await read();
  t.true(readiness.status().ready);
});

test('what the daemon refuses to write (the state at its bound, a reservation the budget refuses) is no failed write', async (t) => {
  const { store, readiness } = setup();
  await t.throwsAsync(
    store.update(() => {
      throw new StateFull(900_000, 786_432);
    }),
  );
  await t.throwsAsync(
    store.update(() => {
      throw new Error('budget spent');
    }),
  );
  t.true(readiness.status().ready);
});

// A daemon paused or outside its window writes nothing: one old failure must not keep it not ready forever.
// Writes that keep failing at every tick (10 min apart by default) renew the failure, so it does not flap.
test('a failure counts for 15 minutes with no write since; each new failure starts them again', async (t) => {
  const { clock, inner, readiness, write, read } = setup();
  const ready = (minutes: number) => {
    clock.set(new Date(AT.getTime() + minutes * MINUTE));
    return readiness.status().ready;
  };
  inner.failWrites = timeout();
  await write();
  t.false(ready(14));
  await read(); // the paused daemon's next tick reads, and writes nothing
  t.false(ready(14.9));
  t.true(ready(15), 'an old failure no longer says anything about now');
  t.true(ready(40));

  const seen: boolean[] = [];
  for (const minutes of [40, 50, 60, 70]) {
    clock.set(new Date(AT.getTime() + minutes * MINUTE));
    await write();
    for (const later of [1, 5, 9.9]) seen.push(ready(minutes + later));
  }
  t.deepEqual(seen, Array(seen.length).fill(false), 'writes failing at every tick: not ready throughout');
});

test('a change refused on the last copy and then a write that fails is a failed write, not a refusal', async (t) => {
  const clock = fakeClock(AT);
  const health = createStateReadiness({ clock, holdSeconds: 15 * 60, log: recordingLog() });
  // Like the ConfigMap store: the change is judged on its copy (paused there), refused, judged again on a fresh
  // read (resumed elsewhere meanwhile), and the write of that fresh verdict fails.
  const copyFirst: StateStore = {
    load: async () => ({ kills: [] }),
    async update(change) {
      try {
        change({ kills: [], paused: { reason: 'old copy', by: 'sam', at: AT.toISOString() } });
      } catch {
        change({ kills: [] });
        throw timeout();
      }
      throw new Error('the copy was not refused');
    },
  };
  const store = health.watch(copyFirst);
  const reserve = (s: HavocState) => {
    if (s.paused) throw new Error('paused');
    return s;
  };
  await t.throwsAsync(store.update(reserve), { message: /no answer from the API server/ });
  t.regex(health.problem() ?? '', /^the state cannot be written: no answer/);
});
