// The state stack the daemon runs with (src/daemonStateStore.ts, as main.ts
// builds it): a drain pass's kill-switch check goes down to the ConfigMap
// store's metadata-only read through every layer, instead of a full read that
// a layer without `killSwitch` falls back to.

import test from 'ava';
import { createStateReadiness } from '../../src/adapters/http/stateReadiness.ts';
import { daemonStateStore } from '../../src/daemonStateStore.ts';
import { readKillSwitch } from '../../src/domain/killSwitch.ts';
import { fakeClock } from './fakes/fakeClock.ts';
import { memoryHistoryStore } from './fakes/memoryHistoryStore.ts';
import { memoryStateStore } from './fakes/memoryStateStore.ts';
import { recordingLog } from './fakes/recordingListener.ts';

test('a kill-switch check through the daemon state stack reads the kill switch alone, never the whole state', async (t) => {
  const clock = fakeClock(new Date('2026-11-20T09:00:00Z'));
  const log = recordingLog();
  const stored = memoryStateStore();
  const health = createStateReadiness({ clock, holdSeconds: 900, log });
  const store = daemonStateStore({
    stored,
    health,
    minGapSeconds: 600,
    history: memoryHistoryStore(),
    clock,
    localDate: (d) => d.toISOString().slice(0, 10),
    retentionSeconds: 30 * 86_400,
    report: () => undefined,
    log,
  });
  await store.update((s) => ({ ...s, paused: { reason: 'drill', by: 'sam', at: clock.now().toISOString() } }));
  const loads = stored.loads;
  for (let pass = 0; pass < 30; pass += 1) t.like(await readKillSwitch(store), { reason: 'drill' });
  t.is(stored.switchReads, 30);
  t.is(stored.loads, loads, 'no full read for a kill-switch check');
});

test('a kill-switch read that fails counts against /readyz like any state read', async (t) => {
  const clock = fakeClock(new Date('2026-11-20T09:00:00Z'));
  const log = recordingLog();
  const stored = memoryStateStore();
  stored.killSwitch = () => Promise.reject(new Error('no answer from the API server within 10s'));
  const health = createStateReadiness({ clock, holdSeconds: 900, log });
  const store = daemonStateStore({
    stored,
    health,
    minGapSeconds: 600,
    history: memoryHistoryStore(),
    clock,
    localDate: (d) => d.toISOString().slice(0, 10),
    retentionSeconds: 30 * 86_400,
    report: () => undefined,
    log,
  });
  await t.throwsAsync(readKillSwitch(store));
  t.regex(health.problem() ?? '', /the state cannot be read: no answer/);
});
