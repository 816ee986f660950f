import test from 'ava';
import { cachedRecentKills } from '../../../../src/adapters/http/recentKills.ts';
import type { KillRecord } from '../../../../src/domain/state.ts';

const record = (at: string, target: string): KillRecord => ({
  id: `${at}/${target}`,
  at,
  target,
  action: 'pod-evict',
  result: 'killed',
  dryRun: false,
  count: 1,
});

function source(history: KillRecord[]) {
  let now = 0;
  const reads = { count: 0, fail: undefined as Error | undefined };
  const kills = cachedRecentKills({
    load: async () => {
      reads.count++;
      if (reads.fail) throw reads.fail;
      return history;
    },
    limit: 2,
    maxAgeMs: 10_000,
    now: () => now,
  });
  return { kills, reads, advance: (ms: number) => (now += ms) };
}

test('dashboards refreshing at once share one read of the state, newest first and at most the limit', async (t) => {
  const { kills, reads } = source([
    record('2026-11-20T09:00:00Z', 'shop/Deployment/a'),
    record('2026-11-20T09:10:00Z', 'shop/Deployment/b'),
    record('2026-11-20T09:05:00Z', 'node/worker-1'),
  ]);
  const answers = await Promise.all([kills(), kills(), kills()]);
  t.is(reads.count, 1);
  t.deepEqual(
    answers[0]?.map((k) => [k.at, k.workload]),
    [
      ['2026-11-20T09:10:00Z', 'b'],
      ['2026-11-20T09:05:00Z', 'worker-1'],
    ],
  );
  t.deepEqual(answers[1], answers[0]);
});

test('an answer older than maxAgeMs is read again, so a new kill shows within it', async (t) => {
  const history = [record('2026-11-20T09:00:00Z', 'shop/Deployment/a')];
  const { kills, reads, advance } = source(history);
  await kills();
  advance(9_999);
  await kills();
  t.is(reads.count, 1);
  history.push(record('2026-11-20T09:20:00Z', 'shop/Deployment/c'));
  advance(1);
  t.is((await kills())[0]?.workload, 'c');
  t.is(reads.count, 2);
});

test('a failed read is not kept: the request fails, and the next one reads again', async (t) => {
  const { kills, reads } = source([record('2026-11-20T09:00:00Z', 'shop/Deployment/a')]);
  reads.fail = new Error('no answer from the API server within 10s (GET /api/v1/namespaces/havoc/configmaps/kube-havoc-state)');
  await t.throwsAsync(kills(), { message: /no answer from the API server/ });
  reads.fail = undefined;
  t.is((await kills()).length, 1);
  t.is(reads.count, 2);
});
