// Budgets and gaps cannot be reset by a step of the daemon's wall clock: the
// records' ages are judged against the monotonic time within the process
// (time/recordClock.ts), so the rolling hour still holds the last real hour.

import test from 'ava';
import { createChaosRound } from '../../../../src/domain/round/chaosRound.ts';
import { deployment, fakeCluster } from '../../fakes/fakeCluster.ts';
import { roundDeps } from '../../fakes/roundDeps.ts';

// Friday 2026-11-20 12:00 in Berlin, inside the 09:00-17:00 window, with two hours of window either side.
const NOON = new Date('2026-11-20T11:00:00Z');
const OLD = new Date('2026-11-20T06:00:00Z');
const HOUR = 3_600_000;
const alwaysHit = { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' };

function setup(env: Record<string, string>, workloads = 12) {
  const cluster = fakeCluster(Array.from({ length: workloads }, (_, i) => deployment('shop', `w${i}`, 4, alwaysHit, OLD)));
  const { deps, clock, events } = roundDeps({ at: NOON, cluster, env: { HAVOC_SELECTION_MIN_POD_AGE: '1s', ...env } });
  const round = createChaosRound(deps);
  // A tick on the wall clock as it is now; `real` is the true time the test keeps apart.
  const tick = async () => {
    const at = clock.now();
    await round.tick({ at, nextTick: new Date(at.getTime() + 600_000) });
    await round.settle();
  };
  const killed = () => events.of('kill').filter((k) => k.outcome.result === 'killed').length;
  return { clock, tick, killed };
}

const caps = {
  HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '5',
  HAVOC_BLAST_RADIUS_MAX_KILLS_PER_HOUR: '5',
  HAVOC_SELECTION_MIN_TIME_BETWEEN_KILLS: '1s',
};

test('the hour cap holds across a forward step of the wall clock: no second hour of kills within one real hour', async (t) => {
  const { clock, tick, killed } = setup(caps);
  await tick();
  t.is(killed(), 5, 'the hour budget is spent');
  clock.advance(10 * 60_000);
  clock.step(2 * HOUR); // only the daemon's clock moved: 14:10 on the wall, 12:10 in truth
  await tick();
  clock.advance(10 * 60_000);
  await tick();
  t.is(killed(), 5, 'still five within the real hour');
  // Once the real hour has passed, the budget is back.
  clock.advance(45 * 60_000);
  await tick();
  t.is(killed(), 10);
});

test('the per-workload gap holds across a forward step', async (t) => {
  const { clock, tick, killed } = setup({ ...caps, HAVOC_SELECTION_MIN_TIME_BETWEEN_KILLS: '1h' }, 1);
  await tick();
  t.is(killed(), 1);
  clock.advance(5 * 60_000);
  clock.step(2 * HOUR);
  await tick();
  t.is(killed(), 1, 'the gap is an hour of real time');
  clock.advance(HOUR);
  await tick();
  t.is(killed(), 2);
});

test('a step back never loosens the caps: the records look younger, not older', async (t) => {
  const { clock, tick, killed } = setup(caps);
  await tick();
  t.is(killed(), 5);
  clock.advance(10 * 60_000);
  clock.step(-2 * HOUR); // 10:10 on the wall
  await tick();
  clock.advance(30 * 60_000);
  await tick();
  t.is(killed(), 5, 'no kill within the real hour');
});
