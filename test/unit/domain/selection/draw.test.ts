// Who gets a budget too small for everyone drawn: the kills keep the ratio of
// the chances, not a bias towards the workload that is drawn more often.

import test from 'ava';
import { drawCandidates, findCandidates, hitProbability } from '../../../../src/domain/selection/candidates.ts';
import { seededRandom } from '../../../../src/domain/random.ts';
import { deployment } from '../../fakes/fakeCluster.ts';
import { testSettings } from '../../fakes/settings.ts';

const NOW = new Date('2026-11-20T10:00:00Z');
const OLD = new Date('2026-11-01T00:00:00Z');
const SPAN = 600; // a ten-minute tick

function candidates(mtbfs: Record<string, string>) {
  const settings = testSettings();
  const workloads = Object.entries(mtbfs).map(([name, mtbf]) =>
    deployment('shop', name, 2, { 'havoc/enabled': 'true', 'havoc/mtbf': mtbf }, OLD),
  );
  return findCandidates({ workloads, namespaces: [{ name: 'shop', labels: {} }], nodes: [] }, settings, [], NOW).eligible;
}

/** Ticks with one slot of budget: the first drawn is killed, the others are refused. */
function firstDrawn(mtbfs: Record<string, string>, ticks: number, seed: number): Map<string, number> {
  const eligible = candidates(mtbfs);
  const random = seededRandom(seed);
  const wins = new Map<string, number>();
  for (let i = 0; i < ticks; i++) {
    const first = drawCandidates(eligible, SPAN, random)[0];
    if (first) wins.set(first.workload.ref.name, (wins.get(first.workload.ref.name) ?? 0) + 1);
  }
  return wins;
}

test('with one slot, p=1 against p=0.1 splits 10:1, as the chances do (not 19:1)', (t) => {
  const mtbfs = { certain: '10m', rare: '100m' };
  const eligible = candidates(mtbfs);
  t.deepEqual(
    eligible.map((c) => hitProbability(c.policy.mtbfSeconds, SPAN)),
    [1, 0.1],
  );
  const wins = firstDrawn(mtbfs, 40_000, 20261204);
  const certain = wins.get('certain') ?? 0;
  const rare = wins.get('rare') ?? 0;
  t.log(`certain ${certain}, rare ${rare}: ${(certain / rare).toFixed(2)}:1`);
  // rare wins with p = 0.1 / 1.1 ≈ 0.0909 per tick: four standard deviations of 40 000 trials is ±0.0058.
  const share = rare / 40_000;
  t.true(Math.abs(share - 0.1 / 1.1) < 0.0058, `rare's share ${share.toFixed(4)}`);
  t.is(certain + rare, 40_000, 'the certain workload is drawn every tick, so every tick has a winner');
});

test('without contention the order changes nothing: each workload is drawn with its own chance', (t) => {
  const eligible = candidates({ a: '20m', b: '100m' });
  const random = seededRandom(99);
  const drawn = { a: 0, b: 0 };
  for (let i = 0; i < 20_000; i++)
    for (const c of drawCandidates(eligible, SPAN, random)) drawn[c.workload.ref.name as 'a' | 'b']++;
  // p = 0.5 and 0.1; four standard deviations of 20 000 trials.
  t.true(Math.abs(drawn.a / 20_000 - 0.5) < 4 * Math.sqrt(0.25 / 20_000), `a ${drawn.a}`);
  t.true(Math.abs(drawn.b / 20_000 - 0.1) < 4 * Math.sqrt(0.09 / 20_000), `b ${drawn.b}`);
});
