import test from 'ava';
import { cachedRecentKills, recentKills } from '../../../../src/adapters/http/recentKills.ts';
import { attempts, type Attempt } from '../../../../src/domain/history/attempts.ts';
import { historyEntry, type HistoryEntry } from '../../../../src/domain/history/historyEntry.ts';
import { readAttempts } from '../../../../src/domain/history/readAttempts.ts';
import type { Occurrence, Target } from '../../../../src/domain/occurrence.ts';
import { memoryHistoryStore } from '../../fakes/memoryHistoryStore.ts';
import { NODE, POD, killOccurrence, recoveryOccurrence } from '../../fakes/occurrences.ts';

const entry = (o: Occurrence) => historyEntry(o) as HistoryEntry;
const podOf = (workload: string): Target => ({ ...POD, uid: workload, workload: { ...POD.workload, name: workload } });
const kill = (at: string, workload: string) => entry(killOccurrence('killed', { at: new Date(at), target: podOf(workload) }));
const drain = (at: string) => entry(killOccurrence('killed', { at: new Date(at), target: NODE }));

function source(history: HistoryEntry[]) {
  let now = 0;
  const reads = { count: 0, fail: undefined as Error | undefined };
  const kills = cachedRecentKills({
    load: async () => {
      reads.count++;
      if (reads.fail) throw reads.fail;
      return attempts(history);
    },
    limit: 2,
    maxAgeMs: 10_000,
    now: () => now,
  });
  return { kills, reads, advance: (ms: number) => (now += ms) };
}

test('dashboards refreshing at once share one read of the history, newest first and at most the limit', async (t) => {
  const { kills, reads } = source([
    kill('2026-11-20T09:00:00Z', 'a'),
    kill('2026-11-20T09:10:00Z', 'b'),
    drain('2026-11-20T09:05:00Z'),
  ]);
  const answers = await Promise.all([kills(), kills(), kills()]);
  t.is(reads.count, 1);
  t.deepEqual(
    answers[0]?.map((k) => [k.at, k.kind, k.workload]),
    [
      ['2026-11-20T09:10:00.000Z', 'Deployment', 'b'],
      ['2026-11-20T09:05:00.000Z', 'Node', 'worker-3'],
    ],
  );
  t.deepEqual(answers[1], answers[0]);
});

test('an answer older than maxAgeMs is read again, so a new kill shows within it', async (t) => {
  const history = [kill('2026-11-20T09:00:00Z', 'a')];
  const { kills, reads, advance } = source(history);
  await kills();
  advance(9_999);
  await kills();
  t.is(reads.count, 1);
  history.push(kill('2026-11-20T09:20:00Z', 'c'));
  advance(1);
  t.is((await kills())[0]?.workload, 'c');
  t.is(reads.count, 2);
});

test('a failed read is not kept: the request fails, and the next one reads again', async (t) => {
  const { kills, reads } = source([kill('2026-11-20T09:00:00Z', 'a')]);
  reads.fail = new Error('no answer from the API server within 10s (GET /api/v1/namespaces/havoc/configmaps)');
  await t.throwsAsync(kills(), { message: /no answer from the API server/ });
  reads.fail = undefined;
  t.is((await kills()).length, 1);
  t.is(reads.count, 2);
});

test('a row keeps the shape the dashboard reads: the verdict and the hypothesis of the attempt', (t) => {
  const at = new Date('2026-11-20T10:20:00Z');
  const rows = recentKills(
    attempts([
      entry(killOccurrence('killed', { at, dryRun: true })),
      entry(
        recoveryOccurrence(
          { recovered: false, seconds: 300, detail: 'timed out' },
          {
            at: new Date(at.getTime() + 300_000),
            dryRun: true,
            hypothesis: { verdict: 'violated', expr: 'up', detail: 'up is 0' },
          },
        ),
      ),
    ]),
    10,
  );
  t.is(rows.length, 1);
  // The rest of the row is the attempt's own fields; test/integration/httpServer.test.ts checks a whole row over HTTP.
  t.like(rows[0], {
    recovery: 'not-recovered',
    recoverySeconds: 300,
    hypothesis: 'violated',
    hypothesisDetail: 'VIOLATED: up is 0',
  });
});

test('readAttempts goes back a week per read, newest first, until it has the limit or the period is covered', async (t) => {
  const now = new Date('2026-11-30T12:00:00Z');
  const store = memoryHistoryStore([
    kill('2026-11-30T09:00:00Z', 'today'),
    kill('2026-11-20T09:00:00Z', 'ten-days-ago'),
    kill('2026-11-02T09:00:00Z', 'four-weeks-ago'),
  ]);
  const localDate = (d: Date) => d.toISOString().slice(0, 10);
  const since = new Date(now.getTime() - 30 * 86_400_000);
  const two: Attempt[] = await readAttempts({ store, since, now, localDate, limit: 2 });
  t.deepEqual(
    two.map((a) => a.workload),
    ['today', 'ten-days-ago'],
  );
  t.is(store.reads.length, 2, 'two weeks were enough');
  t.deepEqual(store.reads[0], ['2026-11-30', '2026-11-29', '2026-11-28', '2026-11-27', '2026-11-26', '2026-11-25', '2026-11-24']);
  const all = await readAttempts({ store, since: new Date('2026-11-10T00:00:00Z'), now, localDate });
  t.deepEqual(
    all.map((a) => a.workload),
    ['today', 'ten-days-ago'],
    'nothing before since',
  );
});
