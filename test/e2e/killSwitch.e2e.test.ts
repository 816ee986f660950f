// The kill switch from a laptop: `kube-havoc pause -n <ns>` (no config, no
// POD_NAMESPACE, the admin kubeconfig) stops the daemon running in that
// namespace, and Slack (a receiver on 127.0.0.1) hears about the pause exactly
// once, also when the daemon restarts while paused.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from 'ava';
import { clusterTest } from './harness/clusterTest.ts';
import { waitFor, type Cluster } from './harness/cluster.ts';
import { run } from './harness/run.ts';
import { e2eConfig, startDaemon, type LogLine } from './daemonProcess.ts';
import { deploy, pods } from './workloads.ts';

const test = clusterTest({ nodes: 2 });
const killed = (l: LogLine) => l.event === 'kill' && l.result === 'killed';
const pausedTicks = (lines: LogLine[]) => lines.filter((l) => l.event === 'tick' && l.outcome === 'paused').length;

interface SlackMessage {
  text: string;
  blocks: { type: string; text?: { text: string } }[];
}

async function slackReceiver(t: ExecutionContext) {
  const received: SlackMessage[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push(JSON.parse(body) as SlackMessage);
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return {
    received,
    url: `http://127.0.0.1:${port}/services/T0/B0/e2e`,
    titled: (prefix: string) => received.filter((m) => m.text.startsWith(prefix)),
  };
}

test('`kube-havoc pause -n <ns>` from outside the cluster stops the daemon of that namespace; the pause is announced once across a restart', async (t) => {
  const { cluster } = t.context;
  const ns = await cluster.createNamespace('laptop');
  const own = await cluster.createNamespace('havoc-k');
  const slack = await slackReceiver(t);
  // A laptop: no daemon namespace in the environment, the operator's login name in $USER.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'POD_NAMESPACE' && !k.startsWith('HAVOC_')));
  const cli = async (...args: string[]) =>
    (
      await run(process.execPath, ['dist/main.js', ...args, '--kubeconfig', cluster.kubeconfig], {
        env: { ...env, USER: 'oncall-alice' },
        timeoutMs: 60_000,
      })
    ).stdout;
  const config = e2eConfig(own, {
    namespaces: { include: [ns] },
    slack: { webhookUrl: slack.url, allowInsecureHttp: true, retries: 0, dailyPlan: false },
  });

  const first = startDaemon({ kubeconfig: cluster.kubeconfig, config });
  let second: ReturnType<typeof startDaemon> | undefined;
  try {
    await first.waitForLine('the daemon ticks', (l) => l.event === 'tick');
    t.regex(
      await cli('pause', '-n', own, '--reason', 'incident 4711'),
      new RegExp(`chaos paused by oncall-alice: incident 4711; every replica in ${own} stops at its next tick`),
    );
    await first.waitForLine('the pause announced', (l) => l.event === 'paused' && l.by === 'oncall-alice');
    // Workloads opted in after the pause are left alone while paused.
    const before = await deploy(cluster, ns, 'cart', 3, { 'havoc/enabled': 'true', 'havoc/mtbf': '1s' });
    await waitFor(async () => pausedTicks(first.lines) >= 5, { timeoutMs: 60_000, intervalMs: 200, what: 'five paused ticks' });

    // Restart while paused: the new process must not announce the same pause again.
    await first.stop();
    second = startDaemon({ kubeconfig: cluster.kubeconfig, config });
    const restarted = second;
    await waitFor(async () => pausedTicks(restarted.lines) >= 5, {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'five paused ticks after the restart',
    });
    t.is(restarted.lines.filter((l) => l.event === 'paused').length, 0, 'the restarted daemon does not announce the pause again');
    t.is([...first.lines, ...restarted.lines].filter(killed).length, 0);
    t.deepEqual(
      (await pods(cluster, ns, 'cart')).map((p) => p.uid).sort(),
      before.map((p) => p.uid).sort(),
      'nothing was killed while paused',
    );
    t.regex(await cli('status', '-n', own), /Chaos is PAUSED since .* by oncall-alice: incident 4711/);

    t.regex(await cli('resume', '-n', own), /chaos resumed by oncall-alice/);
    await restarted.waitForLine('the resume announced', (l) => l.event === 'resumed' && l.by === 'oncall-alice');
    await restarted.waitForLine('a kill after the resume', killed);
    await waitFor(async () => slack.titled('Evicted').length >= 1, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the kill message in Slack',
    });
  } finally {
    await first.stop();
    await second?.stop();
  }
  t.is(slack.titled('Chaos paused').length, 1, 'one Slack message for one pause, across the restart');
  t.is(slack.titled('Chaos resumed').length, 1);
  const kill = slack.titled('Evicted')[0];
  const sections = kill?.blocks.map((b) => b.text?.text ?? '').join('\n') ?? '';
  t.true(
    sections.includes(`\`kube-havoc pause -n ${own} --reason "&lt;why&gt;"\``),
    `the kill message carries this install's pause command: ${sections}`,
  );
});

test('the documented kubectl-only kill switch (an annotation on the state ConfigMap) stops a running daemon within one tick; `status` shows who and why', async (t) => {
  const { cluster } = t.context;
  const ns = await cluster.createNamespace('annotated');
  const own = await cluster.createNamespace('havoc-a');
  const slack = await slackReceiver(t);
  const config = e2eConfig(own, {
    namespaces: { include: [ns] },
    slack: { webhookUrl: slack.url, allowInsecureHttp: true, retries: 0, dailyPlan: false },
  });
  const daemon = startDaemon({ kubeconfig: cluster.kubeconfig, config });
  try {
    await daemon.waitForLine('the daemon ticks', (l) => l.event === 'tick' && l.outcome !== 'not-leader');
    // The command the docs and Slack print, with only kubectl.
    await cluster.kubectl([
      '-n',
      own,
      'annotate',
      'configmap',
      'kube-havoc-state',
      '--overwrite',
      'havoc/pause=incident 99',
      'havoc/paused-by=oncall-bob',
    ]);
    const from = daemon.lines.length;
    await daemon.waitForLine('the kubectl pause announced', (l) => l.event === 'paused' && l.by === 'oncall-bob', 15_000);
    await waitFor(async () => pausedTicks(daemon.lines.slice(from)) >= 3, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'paused ticks',
    });
    const ticks = daemon.lines.slice(from).filter((l) => l.event === 'tick');
    const firstPaused = ticks.findIndex((l) => l.outcome === 'paused');
    // The tick running when kubectl returned may finish as it started; the next one is paused.
    t.true(firstPaused >= 0 && firstPaused <= 1, `ticks after the annotation: ${ticks.map((l) => String(l.outcome)).join(', ')}`);
    t.true(
      ticks.slice(firstPaused).every((l) => l.outcome === 'paused'),
      'every tick after the first paused one is paused',
    );
    // Opted in after the pause: left alone.
    const before = await deploy(cluster, ns, 'basket', 2, { 'havoc/enabled': 'true', 'havoc/mtbf': '1s' });
    const seen = pausedTicks(daemon.lines);
    await waitFor(async () => pausedTicks(daemon.lines) >= seen + 3, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'more paused ticks',
    });
    t.deepEqual((await pods(cluster, ns, 'basket')).map((p) => p.uid).sort(), before.map((p) => p.uid).sort());
    t.is(daemon.lines.filter(killed).length, 0);

    const status = await run(process.execPath, ['dist/main.js', 'status', '-n', own, '--kubeconfig', cluster.kubeconfig], {
      timeoutMs: 60_000,
    });
    t.regex(status.stdout, /Chaos is PAUSED since \S+ by oncall-bob: incident 99 \(kubectl annotation havoc\/pause/);

    // Resume: remove the annotation.
    await cluster.kubectl(['-n', own, 'annotate', 'configmap', 'kube-havoc-state', 'havoc/pause-', 'havoc/paused-by-']);
    await daemon.waitForLine('the resume announced', (l) => l.event === 'resumed', 15_000);
    await daemon.waitForLine('a kill after the resume', killed, 60_000);
  } finally {
    await daemon.stop();
  }
  t.is(slack.titled('Chaos paused').length, 1, 'one Slack message for one kubectl pause');
  t.is(slack.titled('Chaos resumed').length, 1);
});
