// A tick never runs into the next one unnoticed: one due while the previous
// still runs is reported as overlap (log, metric), and a tick that reaches
// its deadline is reported when it does and starts no new kill.

import test from 'ava';
import { Registry } from 'prom-client';
import { tickDeadlineMs } from '../../../../src/adapters/schedule/cronTicker.ts';
import { createHavocMetrics } from '../../../../src/adapters/metrics/havocMetrics.ts';
import { createChaosRound } from '../../../../src/domain/round/chaosRound.ts';
import type { SteadyStateProbe } from '../../../../src/domain/ports.ts';
import { deployment, fakeCluster } from '../../fakes/fakeCluster.ts';
import { recorder } from '../../fakes/recordingListener.ts';
import { roundDeps } from '../../fakes/roundDeps.ts';

const FRIDAY = new Date('2026-11-20T09:00:00Z');
const LONG_AGO = new Date('2026-11-20T06:00:00Z');
const NEXT = new Date(FRIDAY.getTime() + 600_000);
const probed = { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' };

function setup(probe: SteadyStateProbe) {
  const cluster = fakeCluster([
    deployment('shop', 'checkout', 3, probed, LONG_AGO, { 'havoc/probe-url': 'http://checkout.shop.svc:1/ok' }),
  ]);
  const events = recorder();
  const metrics = createHavocMetrics({ registry: new Registry(), defaultMetrics: false });
  const { deps } = roundDeps({
    at: FRIDAY,
    heals: false,
    cluster,
    env: { HAVOC_BLAST_RADIUS_MAX_KILLS_PER_TICK: '3' },
    probe,
    owner: 'me',
    report: (o) => {
      events.report(o);
      metrics.listener.on(o);
    },
  });
  const round = createChaosRound(deps);
  return { cluster, events, metrics, round };
}

const deadlines: [string, number, number | undefined, number][] = [
  ['10-minute cron, 5-minute deadline', 600_000, 300_000, 300_000],
  ['1-minute cron, 5-minute deadline: 90% of the period', 60_000, 300_000, 54_000],
  ['no configured deadline', 600_000, undefined, 540_000],
  ['a second-by-second cron never gets less than a second', 500, 300_000, 1000],
];
for (const [title, period, configured, expected] of deadlines) {
  test(`tick deadline: ${title}`, (t) => {
    t.is(tickDeadlineMs(FRIDAY, new Date(FRIDAY.getTime() + period), configured), expected);
  });
}

test('a tick due while the previous one runs is reported as overlap, once, in the log occurrence and the metric', async (t) => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const { events, metrics, round } = setup({
    check: async () => {
      await held;
      return { ok: true };
    },
  });
  const first = round.tick({ at: FRIDAY, nextTick: NEXT });
  await new Promise((resolve) => setImmediate(resolve));
  const second = await round.tick({ at: NEXT, nextTick: new Date(NEXT.getTime() + 600_000) });
  t.is(second.outcome, 'overlap');
  release();
  t.is((await first).outcome, 'acted');
  t.deepEqual(
    events.of('tick').map((o) => o.outcome),
    ['overlap', 'acted'],
  );
  const ticks = await metrics.ticks.get();
  t.is(ticks.values.find((v) => v.labels.outcome === 'overlap')?.value, 1);
});

test('a tick that reaches its deadline is reported then, starts no new kill, and is not reported again when it ends', async (t) => {
  const deadline = new AbortController();
  const { cluster, events, round } = setup({
    check: async () => {
      deadline.abort();
      return { ok: true };
    },
  });
  const summary = await round.tick({ at: FRIDAY, nextTick: NEXT, deadline: deadline.signal });
  t.is(cluster.kills.length, 0, 'the kill after the deadline was not started');
  t.deepEqual(
    events.of('tick').map((o) => o.outcome),
    ['deadline'],
  );
  t.regex(events.of('tick')[0]!.detail ?? '', /reached its deadline/);
  t.like(events.of('skip')[0], { reason: 'deadline' });
  t.is(summary.killed, 0);
});
