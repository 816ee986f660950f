import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { createReporter } from '../../../../src/domain/reporter.ts';
import { createChaosRound } from '../../../../src/domain/round/chaosRound.ts';
import type { Occurrence } from '../../../../src/domain/occurrence.ts';
import { notificationFor } from '../../../../src/adapters/notify/notificationFor.ts';
import { createNotifyListener } from '../../../../src/adapters/notify/notifyListener.ts';
import { toSlackMessage } from '../../../../src/adapters/slack/slackMessage.ts';
import { createSlackNotifier, type SlackRetryPolicy } from '../../../../src/adapters/slack/slackNotifier.ts';
import { createSlackListener } from '../../../../src/adapters/slack/slackListener.ts';
import { REDACTED, redactedError, redactWebhook } from '../../../../src/adapters/slack/redactWebhook.ts';
import { deployment, fakeCluster } from '../../fakes/fakeCluster.ts';
import { recorder, recordingLog } from '../../fakes/recordingListener.ts';
import { roundDeps } from '../../fakes/roundDeps.ts';
import { killOccurrence, NODE, POD, recoveryOccurrence, tickOccurrence } from '../../fakes/occurrences.ts';

// The secret part of a Slack webhook URL is its path; the receiver serves it on 127.0.0.1.
const SECRET_PATH = '/services/T0HAVOC/B0HAVOC/xoxSecretToken123';
const FRIDAY = new Date('2026-11-20T09:00:00Z');
const LONG_AGO = new Date('2026-11-20T06:00:00Z');
const NEXT = new Date(FRIDAY.getTime() + 600_000);
const FAST: SlackRetryPolicy = { retries: 2, backoffMs: 5, maxBackoffMs: 20 };

type Mode = 'ok' | 'fail' | 'hang' | 'reject';

interface SlackPayload {
  text: string;
  blocks: { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text: string }[] }[];
}

/** A stand-in for hooks.slack.com: records every POST and answers per `mode`. */
async function startReceiver(t: ExecutionContext) {
  const received: { path: string; payload: SlackPayload }[] = [];
  const held: ServerResponse[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const receiver = {
    mode: 'ok' as Mode,
    received,
    held,
    url: '',
    /** Resolves once `count` requests have arrived. */
    until(count: number) {
      return new Promise<void>((resolve) => {
        if (received.length >= count) resolve();
        else waiters.push({ count, resolve });
      });
    },
    release() {
      for (const response of held.splice(0)) response.writeHead(200).end('ok');
    },
  };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push({ path: request.url ?? '', payload: JSON.parse(body) as SlackPayload });
      for (const w of waiters.filter((x) => received.length >= x.count)) w.resolve();
      if (receiver.mode === 'ok') response.writeHead(200).end('ok');
      if (receiver.mode === 'fail') response.writeHead(500).end('internal_error');
      // Like many proxies' error pages, the 403 echoes the path: the secret must not travel on in the error.
      if (receiver.mode === 'reject') response.writeHead(403).end(`invalid_token for POST ${request.url}`);
      if (receiver.mode === 'hang') held.push(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${SECRET_PATH}`;
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return receiver;
}

/** One live round against the fake cluster, reporting to Slack and to a recorder. */
function daemon(webhookUrl: string, timeoutMs: number, env: Record<string, string> = {}) {
  const cluster = fakeCluster([deployment('shop', 'checkout', 3, { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' }, LONG_AGO)]);
  const events = recorder();
  const log = recordingLog();
  const slack = createNotifyListener({
    notifier: createSlackNotifier({ webhookUrl, timeoutMs, retry: FAST }),
    log,
    clusterName: 'prod-eu',
  });
  const reporter = createReporter({ listeners: [slack, { name: 'record', on: events.report }], log });
  const { deps, store } = roundDeps({ at: FRIDAY, cluster, env, report: reporter.report });
  const round = createChaosRound(deps);
  return { cluster, store, events, log, reporter, round, slack };
}

const texts = (p: SlackPayload | undefined) =>
  (p?.blocks ?? [])
    .flatMap((b) => [b.text?.text, ...(b.fields ?? []).map((f) => f.text), ...(b.elements ?? []).map((e) => e.text)])
    .filter((x) => x !== undefined);
const titlesOf = (received: { payload: SlackPayload }[]) => received.map((r) => r.payload.blocks[0]?.text?.text);

test('a kill and its recovery verdict arrive as Block Kit messages through the real client', async (t) => {
  const receiver = await startReceiver(t);
  const d = daemon(receiver.url, 30_000, { HAVOC_DRY_RUN: 'true' });
  await d.round.tick({ at: FRIDAY, nextTick: NEXT });
  await d.round.settle();
  await d.reporter.flush();

  const victim = d.events.of('kill')[0]?.target.name;
  const killTitle = `:boom: [DRY RUN] Would evict pod shop/${victim}`;
  t.deepEqual(
    titlesOf(receiver.received).filter((x) => !x?.includes('plan')),
    [killTitle, ':white_check_mark: [DRY RUN] Recovered: Deployment shop/checkout'],
  );
  t.true(receiver.received.every((r) => r.path === SECRET_PATH));
  const killMessage = receiver.received.find((r) => r.payload.blocks[0]?.text?.text === killTitle)?.payload;
  t.deepEqual(
    killMessage?.blocks.map((b) => b.type),
    ['header', 'section', 'section', 'context'],
  );
  t.is(killMessage?.text, `[DRY RUN] Would evict pod shop/${victim} (Deployment shop/checkout) in prod-eu`);
  const lines = texts(killMessage);
  for (const expected of [
    ':test_tube: *DRY RUN*: nothing was changed in the cluster.',
    '*Workload*\nDeployment shop/checkout',
    '*Action*\npod-evict',
    '*Outcome*\nkilled',
    '*Budget left*\ntick 0 · hour 2 · day 9',
  ])
    t.true(lines.includes(expected), expected);
  t.true(lines.some((l) => l.startsWith('*Why eligible*\nopted in (havoc), mtbf')));
  t.true(lines.some((l) => l.startsWith('kube-havoc · cluster *prod-eu* · <!date^1795165200^')));
});

test('the daily plan is posted once, at the first tick in the window', async (t) => {
  const receiver = await startReceiver(t);
  const d = daemon(receiver.url, 30_000);
  await d.round.tick({ at: FRIDAY, nextTick: NEXT });
  await d.round.settle();
  await d.round.tick({ at: new Date(NEXT.getTime() + 7_200_000), nextTick: new Date(NEXT.getTime() + 7_800_000) });
  await d.round.settle();
  await d.reporter.flush();
  const plans = receiver.received.filter((r) => r.payload.blocks[0]?.text?.text?.startsWith(":calendar: Today's chaos plan"));
  t.is(plans.length, 1);
  t.true(texts(plans[0]?.payload).includes('*Eligible workloads*\n1'));
});

test('blocked evictions, pause and resume, and repeated failures each get a message', async (t) => {
  const receiver = await startReceiver(t);
  const listener = createNotifyListener({
    notifier: createSlackNotifier({ webhookUrl: receiver.url, timeoutMs: 30_000, retry: FAST }),
    log: recordingLog(),
    clusterName: 'prod-eu',
  });
  const at = FRIDAY;
  const failed = tickOccurrence('failed', { at, detail: 'connect ECONNREFUSED 10.0.0.1:443' });
  const occurrences: Occurrence[] = [
    killOccurrence('blocked', {
      at,
      target: { ...POD, name: 'checkout-1' },
      outcome: { result: 'blocked', detail: 'would violate PodDisruptionBudget shop/checkout-pdb' },
      budget: { tick: 1, hour: 3, day: 10 },
    }),
    { type: 'paused', at, by: 'alice', reason: 'incident <42> & friends' },
    { type: 'resumed', at, by: 'alice' },
    failed,
    failed,
    failed,
    failed,
  ];
  for (const o of occurrences) listener.on(o);
  await listener.flush();
  t.deepEqual(titlesOf(receiver.received), [
    ':warning: Eviction blocked: pod shop/checkout-1',
    ':warning: Chaos paused',
    ':white_check_mark: Chaos resumed',
    ':rotating_light: Repeated failures: 3 ticks in a row failed',
  ]);
  t.true(
    texts(receiver.received[0]?.payload).includes('*Outcome*\nblocked: would violate PodDisruptionBudget shop/checkout-pdb'),
  );
  t.true(
    texts(receiver.received[1]?.payload).includes('*Reason*\nincident &lt;42&gt; &amp; friends'),
    'mrkdwn control characters are escaped',
  );
});

test('Slack answering 500: the kill is recorded once, each message is tried 1 + retries times, then retries stop', async (t) => {
  const receiver = await startReceiver(t);
  receiver.mode = 'fail';
  const d = daemon(receiver.url, 30_000);
  const summary = await d.round.tick({ at: FRIDAY, nextTick: NEXT });
  await d.round.settle();
  await d.reporter.flush();

  t.is(summary.killed, 1);
  t.is(d.cluster.kills.length, 1, 'one pod killed, never a second time');
  t.is(d.store.state.kills.length, 1, 'the kill is in the persisted history exactly once');
  t.like(d.store.state.kills[0], { result: 'killed', count: 1 });
  t.is(d.events.of('kill').length, 1);
  const perTitle = Map.groupBy(titlesOf(receiver.received), (x) => x);
  t.true(perTitle.size >= 2, 'the kill and the recovery verdict were both attempted');
  for (const [title, attempts] of perTitle) t.is(attempts.length, 1 + FAST.retries, `${title}`);

  // Retries stopped: the next post is the only request that arrives after the failures.
  const before = receiver.received.length;
  receiver.mode = 'ok';
  d.slack.on({ type: 'resumed', at: FRIDAY, by: 'alice' });
  await d.slack.flush();
  t.deepEqual(titlesOf(receiver.received.slice(before)), [':white_check_mark: Chaos resumed']);
  t.true(d.log.lines.filter((l) => l.level === 'warn').length >= perTitle.size);
});

test('Slack hanging: each attempt times out, the kill is recorded once, retries stop', async (t) => {
  const receiver = await startReceiver(t);
  receiver.mode = 'hang';
  // Long enough that every attempt reaches the receiver on a loaded machine
  // before it times out, so the receiver can count each one.
  const d = daemon(receiver.url, 2000);
  await d.round.tick({ at: FRIDAY, nextTick: NEXT });
  await d.round.settle();
  await d.reporter.flush();

  t.is(d.cluster.kills.length, 1);
  t.is(d.store.state.kills.length, 1);
  const perTitle = Map.groupBy(titlesOf(receiver.received), (x) => x);
  for (const [title, attempts] of perTitle) t.is(attempts.length, 1 + FAST.retries, `${title}`);
  const warning = d.log.lines.find((l) => l.level === 'warn' && l.msg === 'slack notification not delivered');
  t.regex(String((warning?.obj as { err?: Error }).err?.message), /failed \(up to 3 attempts, 2000 ms each\)/);
  receiver.release();
});

test('a slow Slack never delays the tick: the round is done while Slack still holds the request', async (t) => {
  const receiver = await startReceiver(t);
  receiver.mode = 'hang';
  const d = daemon(receiver.url, 30_000);
  const summary = await d.round.tick({ at: FRIDAY, nextTick: NEXT });
  await d.round.settle();
  t.is(summary.outcome, 'acted');
  t.is(d.store.state.kills.length, 1);
  await receiver.until(1);
  t.is(receiver.held.length, 1, 'the first message is still unanswered after the tick and the recovery finished');
  receiver.mode = 'ok';
  receiver.release();
  await d.reporter.flush();
  t.true(titlesOf(receiver.received).includes(`:boom: Evicted pod shop/${d.events.of('kill')[0]?.target.name}`));
});

test('a 4xx is final: one attempt, no retries', async (t) => {
  const receiver = await startReceiver(t);
  receiver.mode = 'reject';
  const notifier = createSlackNotifier({ webhookUrl: receiver.url, timeoutMs: 30_000, retry: FAST });
  const error = await t.throwsAsync(
    notifier.send({
      topic: 'resumed',
      tone: 'good',
      title: 'Chaos resumed',
      summary: 's',
      fields: [],
      cluster: 'c',
      dryRun: false,
      at: FRIDAY,
    }),
  );
  t.is(receiver.received.length, 1);
  t.regex(error?.message ?? '', /statusCode = 403/);
});

test('the webhook URL never appears in log lines or errors', async (t) => {
  const receiver = await startReceiver(t);
  const log = recordingLog();
  // A URL on a closed port as well: connection errors are the other path an address can leak through.
  const closed = `http://127.0.0.1:1${SECRET_PATH}`;
  // Only the hanging case waits for its timeout; the others answer at once and get a generous one.
  for (const [url, mode, timeout] of [
    [receiver.url, 'reject', '30s'],
    [receiver.url, 'hang', '1s'],
    [closed, 'ok', '30s'],
  ] as const) {
    receiver.mode = mode;
    const listener = createSlackListener({
      slack: { webhookUrl: url, timeout, retries: 0, dailyPlan: true, dashboardUrl: '' },
      clusterName: 'c',
      log,
    });
    listener?.on({ type: 'paused', at: FRIDAY, by: 'alice', reason: 'incident' });
    await listener?.flush();
  }
  // Serialized as pino's err serializer does: message, stack, cause and every own property.
  const logged = JSON.stringify(log.lines, (_key, value: unknown) =>
    value instanceof Error ? { ...value, message: value.message, stack: value.stack, cause: value.cause } : value,
  );
  t.is(log.lines.filter((l) => l.msg === 'slack notification not delivered').length, 3);
  t.true(logged.includes('statusCode = 403'), 'the rejection itself is logged');
  t.false(logged.includes('xoxSecretToken123'));
  receiver.release();
});

test('redaction covers the whole URL, the URL without scheme, its path, and every cause in the chain', (t) => {
  const url = 'https://hooks.slack.com/services/T1/B2/sEcReT';
  t.is(redactWebhook(`POST ${url} failed`, url), `POST ${REDACTED} failed`);
  t.is(redactWebhook('to hooks.slack.com/services/T1/B2/sEcReT', url), `to ${REDACTED}`);
  t.is(redactWebhook('GET /services/T1/B2/sEcReT 500', url), `GET ${REDACTED} 500`);
  const inner = Object.assign(new Error(`getaddrinfo ENOTFOUND for ${url}`), { code: 'ENOTFOUND' });
  const copy = redactedError(new Error('fetch failed', { cause: inner }), url);
  t.is((copy.cause as Error).message, `getaddrinfo ENOTFOUND for ${REDACTED}`);
  t.is((copy.cause as { code?: string }).code, 'ENOTFOUND');
  t.false(String(copy.stack).includes('sEcReT') || String((copy.cause as Error).stack).includes('sEcReT'));
});

test('no webhook configured: no Slack listener', (t) => {
  const log = recordingLog();
  t.is(
    createSlackListener({
      slack: { webhookUrl: '', timeout: '5s', retries: 2, dailyPlan: true, dashboardUrl: '' },
      clusterName: 'c',
      log,
    }),
    undefined,
  );
  t.is(log.lines[0]?.msg, 'slack notifications off (no slack.webhookUrl or slack.webhookUrlFile)');
});

test('the example message in docs/operations.md is what the code posts', (t) => {
  const doc = readFileSync('docs/operations.md', 'utf8');
  const example = /<!-- slack-example:start -->\n```json\n([\s\S]*?)\n```\n<!-- slack-example:end -->/.exec(doc)?.[1];
  const kill: Occurrence = {
    type: 'kill',
    at: new Date('2026-11-20T10:42:00Z'),
    target: {
      kind: 'Pod',
      namespace: 'shop',
      name: 'checkout-7d9f8b6c5-x2x9q',
      uid: 'u',
      workload: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
      workloadUid: 'w',
    },
    action: 'pod-evict',
    dryRun: true,
    outcome: { result: 'killed' },
    reason: 'opted in (havoc), mtbf 8.0h business time, mode one, chance this tick 2.1%',
    budget: { tick: 0, hour: 2, day: 9 },
  };
  const notification = notificationFor(kill, { clusterName: 'prod-eu-1' });
  t.truthy(notification);
  t.deepEqual(JSON.parse(example ?? 'null'), notification && toSlackMessage(notification));
});

test('kill, blocked, drain and NOT-recovered messages carry the exact pause command of this install and the dashboard link; good news does not', async (t) => {
  const receiver = await startReceiver(t);
  const listener = createSlackListener({
    slack: {
      webhookUrl: receiver.url,
      timeout: '30s',
      retries: 0,
      dailyPlan: true,
      dashboardUrl: 'https://grafana.example.com/d/kube-havoc/kube-havoc?orgId=1',
    },
    clusterName: 'prod-eu-1',
    log: recordingLog(),
    pauseCommands: [
      'kubectl -n havoc annotate configmap kube-havoc-state --overwrite havoc/pause="<why>" havoc/paused-by="$USER"',
      'kube-havoc pause -n havoc --reason "<why>"',
    ],
  });
  const recovery = (recovered: boolean) =>
    recoveryOccurrence(recovered ? { recovered: true, seconds: 12 } : { recovered: false, seconds: 300, detail: '2/3 ready' });
  const drain: Occurrence = {
    type: 'drain-started',
    at: FRIDAY,
    node: NODE,
    dryRun: false,
    until: NEXT,
    reason: 'opted-in node',
  };
  for (const o of [
    killOccurrence('killed'),
    killOccurrence('blocked'),
    recovery(false),
    drain,
    recovery(true),
    { type: 'paused', at: FRIDAY, by: 'alice', reason: 'incident' } as const,
  ])
    listener?.on(o);
  await listener?.flush();
  const sections = receiver.received.map((r) =>
    r.payload.blocks
      .filter((b) => b.type === 'section')
      .map((b) => b.text?.text ?? '')
      .join('\n'),
  );
  // kubectl first: on-call has it without installing anything.
  const stop =
    ':octagonal_sign: *Stop all chaos:* `kubectl -n havoc annotate configmap kube-havoc-state --overwrite havoc/pause="&lt;why&gt;" havoc/paused-by="$USER"`' +
    '\n    or `kube-havoc pause -n havoc --reason "&lt;why&gt;"`';
  const link = (namespace?: string) =>
    `:bar_chart: <https://grafana.example.com/d/kube-havoc/kube-havoc?orgId=1${namespace === undefined ? '' : `&amp;var-namespace=${namespace}`}|Open the kube-havoc dashboard>`;
  t.is(sections.length, 6);
  t.true(sections[0]?.includes(`${stop}\n${link('shop')}`), `kill: ${sections[0]}`);
  t.true(sections[1]?.includes(`${stop}\n${link('shop')}`), `blocked: ${sections[1]}`);
  t.true(sections[2]?.includes(`${stop}\n${link('shop')}`), `not recovered: ${sections[2]}`);
  t.true(sections[3]?.includes(`${stop}\n${link()}`), `drain: ${sections[3]}`);
  t.false(sections[4]?.includes('Stop all chaos'), 'recovered: nothing to stop');
  t.false(sections[5]?.includes('Stop all chaos'), 'paused: already stopped');
});
