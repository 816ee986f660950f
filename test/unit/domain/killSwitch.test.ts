import test from 'ava';
import { pauseChaos, resumeChaos } from '../../../src/domain/killSwitch.ts';
import type { StateStore } from '../../../src/domain/ports.ts';
import { emptyState, type HavocState } from '../../../src/domain/state.ts';

function memoryStore(initial: HavocState = emptyState): StateStore & { current(): HavocState } {
  let state = initial;
  return {
    current: () => state,
    load: async () => state,
    update: async (change) => {
      state = change(state);
      return state;
    },
  };
}

const now = new Date('2025-03-07T10:00:00Z');
const kills = [
  {
    id: 'k',
    at: now.toISOString(),
    target: 'shop/Deployment/web',
    action: 'pod-evict' as const,
    result: 'killed' as const,
    dryRun: false,
    count: 1,
  },
];

test('pause sets the flag with reason, who and when, and keeps the history', async (t) => {
  const store = memoryStore({ kills });
  const result = await pauseChaos({ store, reason: '  incident 4711 ', by: 'sam', now });
  t.deepEqual(store.current(), { kills, paused: { reason: 'incident 4711', by: 'sam', at: '2025-03-07T10:00:00.000Z' } });
  t.is(result.previous, undefined);
  t.deepEqual(result.occurrence, { type: 'paused', at: now, by: 'sam', reason: 'incident 4711' });
});

test('pause needs a reason', async (t) => {
  await t.throwsAsync(pauseChaos({ store: memoryStore(), reason: ' ', by: 'sam', now }), { message: /needs a reason/ });
});

test('pausing again replaces the reason and reports the earlier pause', async (t) => {
  const store = memoryStore();
  await pauseChaos({ store, reason: 'first', by: 'sam', now });
  const again = await pauseChaos({ store, reason: 'second', by: 'kim', now });
  t.is(again.previous?.reason, 'first');
  t.is(store.current().paused?.by, 'kim');
});

test('resume clears the flag; resuming when not paused changes nothing worth announcing', async (t) => {
  const store = memoryStore({ kills });
  await pauseChaos({ store, reason: 'incident', by: 'sam', now });
  const resumed = await resumeChaos({ store, by: 'kim', now });
  // Written by the command itself, so the daemon can say who resumed (not "unknown").
  t.deepEqual(store.current(), { kills, resumed: { by: 'kim', at: now.toISOString() } });
  t.false('paused' in store.current());
  t.is(resumed.previous?.reason, 'incident');
  t.deepEqual(resumed.occurrence, { type: 'resumed', at: now, by: 'kim' });
  const idle = await resumeChaos({ store, by: 'kim', now });
  t.is(idle.occurrence, undefined);
});
