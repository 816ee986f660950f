import test from 'ava';
import { createLogger } from '../../../src/adapters/log/logger.ts';
import { createLogListener } from '../../../src/adapters/log/logListener.ts';
import { configuredSecrets } from '../../../src/config/secrets.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { createRedactor, MAX_TEXT_LENGTH, REDACTED, withoutCredentials } from '../../../src/domain/redactor.ts';
import { createReporter } from '../../../src/domain/reporter.ts';
import { recordingLog } from '../fakes/recordingListener.ts';
import { lineSink } from '../fakes/lineSink.ts';

const WEBHOOK = 'https://hooks.slack.example/services/T1/B2/sEcReT';
const redactor = createRedactor({ secrets: () => [WEBHOOK, 'tok-123456', 'ab'] });

const texts: [string, string, string][] = [
  ['the webhook URL', `POST ${WEBHOOK} failed`, `POST ${REDACTED} failed`],
  ['the webhook URL without its scheme', 'to hooks.slack.example/services/T1/B2/sEcReT', `to ${REDACTED}`],
  ['the webhook path', 'GET /services/T1/B2/sEcReT 500', `GET ${REDACTED} 500`],
  ['a configured token anywhere', 'upstream said tok-123456!', `upstream said ${REDACTED}!`],
  [
    'credentials in any URL',
    'fetch http://admin:hunter2@10.0.0.1:8080/x failed',
    `fetch http://${REDACTED}@10.0.0.1:8080/x failed`,
  ],
  ['a token as URL user', 'see https://ghp_abc@github.example/', `see https://${REDACTED}@github.example/`],
  ['an echoed bearer header', 'Authorization: Bearer eyJabc.def-ghi', `Authorization: Bearer ${REDACTED}`],
  ['an echoed basic header', 'authorization: Basic aGF2b2M6cGFzcw==', `authorization: Basic ${REDACTED}`],
  ['not a secret shorter than 4 characters', 'ab cd', 'ab cd'],
  ['an e-mail address is no URL credential', 'by ops@example.com', 'by ops@example.com'],
];
for (const [title, input, expected] of texts) {
  test(`redactor removes ${title}`, (t) => {
    t.is(redactor.text(input), expected);
  });
}

test('redactor bounds every text and says how much it cut', (t) => {
  const long = 'x'.repeat(200_000);
  const out = redactor.text(long);
  t.true(out.length < MAX_TEXT_LENGTH + 50);
  t.true(out.endsWith(`… [${200_000 - MAX_TEXT_LENGTH} more characters cut]`));
  t.is(redactor.text(long, Number.POSITIVE_INFINITY).length, 200_000);
});

test('redactor copies plain data with every string redacted; Dates stay Dates; errors keep name and code', (t) => {
  const at = new Date('2026-11-20T10:00:00Z');
  const error = Object.assign(new Error(`POST ${WEBHOOK}`, { cause: new Error('tok-123456') }), { code: 'E1' });
  const copy = redactor.value({ at, list: ['tok-123456', 3, true, null], nested: { url: WEBHOOK }, error });
  t.is(copy.at, at);
  t.deepEqual(copy.list, [REDACTED, 3, true, null]);
  t.is(copy.nested.url, REDACTED);
  t.is(copy.error.message, `POST ${REDACTED}`);
  t.is((copy.error.cause as Error).message, REDACTED);
  t.is((copy.error as Error & { code?: string }).code, 'E1');
  t.false((copy.error.stack ?? '').includes('sEcReT'));
});

test('withoutCredentials keeps the URL and replaces only its user and password', (t) => {
  t.is(withoutCredentials('https://u:p@prom.example:9090/x'), 'https://redacted@prom.example:9090/x');
  t.is(withoutCredentials('https://prom.example/x'), 'https://prom.example/x');
  t.is(withoutCredentials('not a url'), 'not a url');
});

test('the configured secrets: webhook, token files (re-read after the refresh), URL password, values', (t) => {
  const files: Record<string, string> = { '/run/prom-token': 'prom-token-1\n', '/run/sa': 'sa-token\n' };
  let now = 0;
  const config = loadConfig({
    env: {
      HAVOC_SLACK_WEBHOOK_URL: WEBHOOK,
      HAVOC_STEADY_STATE_PROMETHEUS_URL: 'https://havoc:pa%24%24word@prom.example',
    },
  });
  const withToken = {
    ...config,
    steadyState: { ...config.steadyState, prometheus: { ...config.steadyState.prometheus, bearerTokenFile: '/run/prom-token' } },
  };
  const secrets = configuredSecrets(withToken, {
    readFile: (p) => {
      const content = files[p];
      if (content === undefined) throw new Error('ENOENT');
      return content;
    },
    now: () => now,
    refreshMs: 1000,
    serviceAccountTokenFile: '/run/sa',
    values: () => ['kube-user-token', undefined],
  });
  t.deepEqual([...secrets()].sort(), [WEBHOOK, 'kube-user-token', 'pa$$word', 'prom-token-1', 'sa-token'].sort());
  files['/run/prom-token'] = 'prom-token-2';
  t.true(secrets().includes('prom-token-1'), 'cached until the refresh');
  now = 1000;
  t.true(secrets().includes('prom-token-2'), 'a rotated token is redacted too');
});

test('a 200 KB annotation value gives a bounded log line, through the reporter as main.ts wires it', async (t) => {
  const { lines, stream: destination } = lineSink();
  const log = createLogger({ level: 'info', pretty: false, destination, redact: (line) => redactor.text(line, Infinity) });
  const reporter = createReporter({ listeners: [createLogListener({ log })], log: recordingLog(), redact: redactor.value });
  reporter.report({
    type: 'invalid-label',
    at: new Date('2026-11-20T10:00:00Z'),
    workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
    workloadUid: 'u',
    field: 'havoc/probe-url',
    value: `http://${'a'.repeat(200_000)}`,
    message: 'refused by the probe address policy',
  });
  await reporter.flush();
  t.is(lines.length, 1);
  t.true((lines[0]?.length ?? 0) < 3 * MAX_TEXT_LENGTH, `a line of ${lines[0]?.length} characters`);
  t.true(lines[0]?.includes('more characters cut'));
});
