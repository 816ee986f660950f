// The upgrade end to end: the state ConfigMap as an older kube-havoc left it
// (every record in state.json, near the old 1 MiB limit, paused, a
// reservation its run never settled, no history objects), then the new
// daemon as a real process. It keeps the pause, settles the reservation,
// moves the old records into the history, and after a resume its caps count
// the old kills. The old state is written from the old format's field names
// (test/unit/fakes/oldState.ts), not from old code.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { clusterTest } from './harness/clusterTest.ts';
import { waitFor } from './harness/cluster.ts';
import { run } from './harness/run.ts';
import { e2eConfig, lineTime, startDaemon, withDaemon, type LogLine } from './daemonProcess.ts';
import { deploy } from './workloads.ts';
import { oldBudgetRecords, oldLongRecords, oldStateConfigMap, oldStateJson } from '../unit/fakes/oldState.ts';

const test = clusterTest({ nodes: 2 });
const optIn = { 'havoc/enabled': 'true', 'havoc/mtbf': '1s' };
const HOUR = 3_600_000;

interface StoredState {
  format?: number;
  paused?: { reason: string };
  kills: { target: string; result: string; count: number; owner?: string }[];
}

test("an older daemon's state near 1 MiB: the new daemon keeps the pause, the budget and the gaps, and moves the old kills into the history", async (t) => {
  const { cluster } = t.context;
  const ns = await cluster.createNamespace('upgrade');
  const own = await cluster.createNamespace('havoc-up');
  const [db] = await Promise.all([
    deploy(cluster, ns, 'db', 2, optIn),
    deploy(cluster, ns, 'web', 2, optIn),
    deploy(cluster, ns, 'api', 2, optIn),
  ]);
  const victim = db?.[0];
  if (victim === undefined) throw new Error('no db pod');

  const now = new Date();
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const kills = [
    // 3 of the day's 4 spent, web and db within their gap of 1 h; db's reservation names a real pod, untouched.
    ...oldBudgetRecords(now, ns, { name: victim.name, uid: victim.uid }),
    // Nineteen days of kills and PDB-blocked attempts with long texts, and three past the 30-day retention.
    ...oldLongRecords({
      now,
      count: 900,
      fromHoursAgo: 25,
      everyMinutes: 30,
      namespace: 'storefront-production-eu',
      workloads: 60,
    }),
    ...oldLongRecords({ now, count: 3, fromHoursAgo: 40 * 24, everyMinutes: 60, namespace: 'ancient', workloads: 1 }),
  ];
  const paused = { reason: 'change freeze', by: 'oncall', at: ago(HOUR).toISOString(), announced: true };
  const json = oldStateJson({ kills, paused, now });
  t.true(json.length > 1_000_000 && json.length < 1_048_576, `${json.length} bytes: what the old daemon could still write`);
  // create, not apply: apply would copy the whole object into an annotation, which holds at most 256 KiB.
  await cluster.kubectl(['create', '-f', '-'], JSON.stringify(oldStateConfigMap(own, 'kube-havoc-state', json)));

  const config = e2eConfig(own, {
    namespaces: { include: [ns] },
    selection: { minTimeBetweenKills: '1h' },
    blastRadius: { maxKillsPerTick: 1, maxKillsPerHour: 4, maxKillsPerDay: 4 },
  });
  const file = join(mkdtempSync(join(tmpdir(), 'havoc-upgrade-')), 'config.yaml');
  writeFileSync(file, stringify(config));
  const cli = async (...args: string[]) => {
    const out = await run(process.execPath, ['dist/main.js', ...args, '--config', file, '--kubeconfig', cluster.kubeconfig], {
      timeoutMs: 60_000,
    });
    return out.stdout;
  };
  const stored = async () =>
    JSON.parse(
      await cluster.kubectl(['-n', own, 'get', 'configmap', 'kube-havoc-state', '-o', 'jsonpath={.data.state\\.json}']),
    ) as StoredState;

  const daemon = startDaemon({ kubeconfig: cluster.kubeconfig, config, name: 'havoc-new-0' });
  const killLines = () => daemon.lines.filter((l) => l.event === 'kill');
  await withDaemon(daemon, async () => {
    const moved = await daemon.waitForLine('the old records moved', (l) => /state of an older kube-havoc/.test(l.msg), 180_000);
    const started = daemon.lines[0];
    t.log(`moved ${String(moved.entries)} entries in ${started ? lineTime(moved) - lineTime(started) : NaN} ms`);
    // 450 kills with their verdicts, 450 blocked attempts, web's kill and verdict, gone's kill; not the 3 past the retention.
    t.is(moved.entries, 900 + 450 + 2 + 1);
    await waitFor(async () => daemon.lines.filter((l) => l.event === 'tick' && l.outcome === 'paused').length >= 3, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'three paused ticks',
    });
    t.deepEqual(killLines(), [], 'nothing killed while paused');

    const state = await waitFor(
      async () => {
        const s = await stored();
        return s.kills.find((k) => k.target === `${ns}/Deployment/db`)?.result === 'not-attempted' ? s : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: "the old run's reservation settled" },
    );
    const bytes = Buffer.byteLength(JSON.stringify(state));
    t.log(`state after the first writes: ${bytes} bytes`);
    t.true(bytes < 4096);
    t.is(state.format, 2);
    t.is(state.paused?.reason, 'change freeze');
    t.deepEqual(
      state.kills.map((k) => `${k.target} ${k.result} ${k.count}`).sort(),
      ['elsewhere/Deployment/gone killed 1', `${ns}/Deployment/db not-attempted 1`, `${ns}/Deployment/web killed 1`],
      'the hot state keeps what the budget and the gaps need',
    );

    const rows = JSON.parse(await cli('history', '--since', '30d', '--json')) as {
      namespace: string;
      workload: string;
      result: string;
      victims: string[];
      recovery?: { recovered: boolean };
    }[];
    t.is(rows.length, 902, 'every old kill and blocked attempt within the retention');
    t.like(
      rows.find((r) => r.workload === 'web'),
      { namespace: ns, result: 'killed', victims: ['web-old'], recovery: { recovered: true } },
    );
    t.is(rows.filter((r) => r.result === 'blocked').length, 450);
    t.false(rows.some((r) => r.namespace === 'ancient'));

    const resumed = await cli('resume', '--by', 'e2e');
    t.regex(resumed, /chaos resumed by e2e \(was paused by oncall: change freeze\)/);
    const kill = await daemon.waitForLine('the one kill the day has left', (l) => l.event === 'kill', 60_000);
    t.like(kill, { namespace: ns, workload: 'Deployment/api', result: 'killed' });
    // Five ticks after it: the day's budget is spent, and web and db still wait out their gap.
    const after = lineTime(kill);
    await waitFor(async () => daemon.lines.filter((l: LogLine) => l.event === 'tick' && lineTime(l) > after + 500).length >= 5, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'five ticks after the kill',
    });
    t.is(killLines().length, 1, 'the day cap of 4 counted the 3 old records');
    const last = daemon.lines.filter((l) => l.event === 'tick').at(-1) as LogLine & { budget?: { day: number } };
    t.is(last.budget?.day, 0);
  });
});
