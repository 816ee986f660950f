// No secret leaves the daemon in any text. A Prometheus (or a proxy in front
// of it) on 127.0.0.1 echoes the Authorization header, and the token itself,
// in a 500 body once the kill is done, so the upstream error text carries the
// ServiceAccount token into the recovery verdict. The daemon is wired as
// main.ts wires it: one redactor from the config, the pino logger, the
// reporter, the Events listener (over a fake recorder), the Slack listener
// (over a receiver on 127.0.0.1) and /kills. The token must appear in none.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { Registry } from 'prom-client';
import { createMetricsServer } from '../../src/adapters/http/metricsServer.ts';
import { recentKills } from '../../src/adapters/http/recentKills.ts';
import { createEventListener } from '../../src/adapters/kubernetes/eventRecorder.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { createLogListener } from '../../src/adapters/log/logListener.ts';
import { createSlackListener } from '../../src/adapters/slack/slackListener.ts';
import { loadConfig } from '../../src/config/load.ts';
import { redactorFromConfig } from '../../src/config/redactorFromConfig.ts';
import { steadyStateGateFromConfig } from '../../src/config/steadyStateSource.ts';
import { REDACTED } from '../../src/domain/redactor.ts';
import { createReporter } from '../../src/domain/reporter.ts';
import { createHistoryListener } from '../../src/adapters/history/historyListener.ts';
import { readAttempts } from '../../src/domain/history/readAttempts.ts';
import { memoryHistoryStore } from '../unit/fakes/memoryHistoryStore.ts';
import { createChaosRound } from '../../src/domain/round/chaosRound.ts';
import { fakeClock } from '../unit/fakes/fakeClock.ts';
import { deployment, fakeCluster } from '../unit/fakes/fakeCluster.ts';
import { roundDeps } from '../unit/fakes/roundDeps.ts';
import { lineSink } from '../unit/fakes/lineSink.ts';

const FRIDAY = new Date('2026-11-20T09:00:00Z');
const LONG_AGO = new Date('2026-11-20T06:00:00Z');
// Long and unlike any other text, so a hit is the token and nothing else.
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.sa-token-7f3a9c2e51b04d8e.c2lnbmF0dXJl';
const KILLS_TOKEN = 'kills-token-0b7d1e';

async function listen(t: ExecutionContext, handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

test('a token echoed by Prometheus reaches no log line, Event, Slack message or /kills row', async (t) => {
  let killed = false;
  const seen: IncomingHttpHeaders[] = [];
  const prometheusUrl = await listen(t, (req, res) => {
    seen.push(req.headers);
    res.setHeader('content-type', 'application/json');
    if (!killed) {
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, '1'] }] } }));
      return;
    }
    // What a misbehaving proxy does: the credential it got, back in the error text.
    const echoed = `proxy rejected "Authorization: ${req.headers.authorization ?? ''}" for token ${TOKEN}`;
    res.statusCode = 500;
    res.end(JSON.stringify({ status: 'error', errorType: 'internal', error: echoed }));
  });
  const slackBodies: string[] = [];
  const slackUrl = await listen(t, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      slackBodies.push(body);
      res.end('ok');
    });
  });

  const dir = mkdtempSync(path.join(tmpdir(), 'havoc-redaction-'));
  const tokenFile = path.join(dir, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`);
  const killsTokenFile = path.join(dir, 'kills-token');
  writeFileSync(killsTokenFile, KILLS_TOKEN);
  const env = {
    HAVOC_SELECTION_MIN_TIME_BETWEEN_KILLS: '1s',
    HAVOC_PODS_RECOVERY_TIMEOUT: '30s',
    HAVOC_STEADY_STATE_PROMETHEUS_URL: prometheusUrl,
    HAVOC_STEADY_STATE_PROMETHEUS_ALLOW_INSECURE_HTTP: 'true',
    HAVOC_STEADY_STATE_PROMETHEUS_BEARER_TOKEN_FILE: tokenFile,
    HAVOC_STEADY_STATE_DEFAULT_HYPOTHESIS: 'up{namespace="{{namespace}}"}',
    HAVOC_SLACK_WEBHOOK_URL: `${slackUrl}/services/T0/B0/webhook-secret-91c2`,
    HAVOC_SLACK_ALLOW_INSECURE_HTTP: 'true',
    HAVOC_SLACK_RETRIES: '0',
    HAVOC_SLACK_DAILY_PLAN: 'false',
    HAVOC_SERVER_KILLS: 'token',
    HAVOC_SERVER_KILLS_TOKEN_FILE: killsTokenFile,
  };
  const config = loadConfig({
    env: { HAVOC_DRY_RUN: 'false', HAVOC_SCHEDULE_TIMEZONE: 'Europe/Berlin', HAVOC_SCHEDULE_START: '09:00', ...env },
  });

  // As main.ts wires it: the ServiceAccount token is the bearer token here (auth.serviceAccountToken).
  const redactor = redactorFromConfig(config, { serviceAccountTokenFile: tokenFile });
  const { lines, stream: destination } = lineSink();
  const log = createLogger({ level: 'debug', pretty: false, destination, redact: (text) => redactor.text(text, Infinity) });
  const events: unknown[] = [];
  const eventListener = createEventListener({
    eventsApi: {
      createNamespacedEvent: async ({ body }) => {
        events.push(body);
        return body;
      },
    },
    reportingInstance: 'test',
    log,
  });
  const slack = createSlackListener({ slack: config.slack, clusterName: config.clusterName, log });
  if (slack === undefined) return t.fail('no Slack listener');
  // As main.ts wires it: /kills reads the durable history, which the reporter's (redacted) occurrences fill.
  const history = memoryHistoryStore();
  const reporter = createReporter({
    listeners: [createLogListener({ log }), eventListener, slack, createHistoryListener({ store: history })],
    log,
    redact: redactor.value,
  });
  const cluster = fakeCluster([deployment('shop', 'checkout', 3, { 'havoc/enabled': 'true', 'havoc/mtbf': '1m' }, LONG_AGO)]);
  const clock = fakeClock(FRIDAY, { onSleep: (c) => cluster.heal(c.now()) });
  const steadyState = steadyStateGateFromConfig({ config, clock, report: reporter.report });
  const { deps } = roundDeps({
    cluster,
    clock,
    env,
    report: reporter.report,
    ...(steadyState ? { steadyState } : {}),
    killer: {
      kill: async (pod, ref, options) => {
        const outcome = await cluster.kill(pod, ref, options);
        killed = true;
        return outcome;
      },
      fate: (pod) => cluster.fate(pod),
    },
  });
  const round = createChaosRound(deps);
  await round.tick({ at: FRIDAY, nextTick: new Date(FRIDAY.getTime() + 600_000) });
  await round.settle();
  await reporter.flush();
  await slack.flush();

  const server = await createMetricsServer({
    registry: new Registry(),
    host: '127.0.0.1',
    port: 0,
    log,
    redact: redactor,
    recentKills: async () => {
      const now = clock.now();
      const since = new Date(now.getTime() - 86_400_000);
      return recentKills(
        await readAttempts({ store: history, since, now, localDate: (at) => at.toISOString().slice(0, 10) }),
        200,
      );
    },
    killsToken: () => KILLS_TOKEN,
  });
  t.teardown(() => server.close());
  const kills = await (await fetch(`${server.url}/kills`, { headers: { authorization: `Bearer ${KILLS_TOKEN}` } })).text();

  // The path was exercised: Prometheus got the token, a pod was killed, and the echo reached every output, redacted.
  t.true(
    seen.some((h) => h.authorization === `Bearer ${TOKEN}`),
    'Prometheus received the token',
  );
  t.is(cluster.kills.length, 1, 'one kill');
  t.true(kills.includes('checkout'), `/kills lists the kill: ${kills}`);
  const outputs = { log: lines.join(''), events: JSON.stringify(events), slack: slackBodies.join('\n'), kills };
  for (const [name, text] of Object.entries(outputs)) {
    t.true(text.includes('proxy rejected'), `${name} carries the upstream error text`);
    t.true(text.includes(REDACTED), `${name} shows where the secret was`);
    t.false(text.includes(TOKEN), `${name} holds no token`);
    t.false(text.includes('sa-token-7f3a9c2e51b04d8e'), `${name} holds no part of it`);
    t.false(text.includes('webhook-secret-91c2'), `${name} holds no webhook URL`);
    t.false(text.includes(KILLS_TOKEN), `${name} holds no /kills token`);
  }
});
