// The steadyState section of the configuration: a bad matcher, URL, template
// or credential file stops start-up naming the field; a good one builds the gate.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ConfigError, loadConfig, redacted } from '../../../src/config/load.ts';
import { steadyStateGateFromConfig } from '../../../src/config/steadyStateSource.ts';
import { fakeClock } from '../fakes/fakeClock.ts';

const dir = mkdtempSync(join(tmpdir(), 'havoc-steady-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const problems = (yaml: string, env: Record<string, string> = {}): readonly string[] => {
  try {
    loadConfig({ file: file('c.yaml', yaml), env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};
const URL_OK = 'steadyState:\n  prometheus:\n    url: http://prometheus.monitoring:9090\n';
const URL_TLS = 'steadyState:\n  prometheus:\n    url: https://prometheus.monitoring:9091\n';

const bad: [string, string, Record<string, string>, string][] = [
  [
    'a URL that is not http(s)',
    'steadyState:\n  prometheus:\n    url: prometheus:9090\n',
    {},
    'steadyState.prometheus.url: must be an http(s) URL such as http://prometheus.monitoring:9090: value was "prometheus:9090"',
  ],
  [
    'a matcher in braces',
    `${URL_OK}  blockers: ['{severity="critical"}']\n`,
    {},
    'steadyState.blockers: "{severity=\\"critical\\"}" must be label matchers without braces',
  ],
  [
    'an unquoted matcher value',
    `${URL_OK}  blockers: ['severity=critical']\n`,
    {},
    'steadyState.blockers: "severity=critical" is not a label matcher such as severity="critical"',
  ],
  [
    'a bad regular expression',
    `${URL_OK}  blockers: ['alertname=~"(x"']\n`,
    {},
    'steadyState.blockers: "alertname=~\\"(x\\"" "(x" is not a regular expression',
  ],
  [
    'a bad matcher from the environment (a JSON list)',
    URL_OK,
    { HAVOC_STEADY_STATE_BLOCKERS: '["severity=\\"critical\\"", "oops"]' },
    'steadyState.blockers: "oops"',
  ],
  [
    'an unknown template variable',
    `${URL_OK}  defaultHypothesis: 'up{pod="{{pod}}"} == 1'\n`,
    {},
    'steadyState.defaultHypothesis: {{pod}} is not a template variable',
  ],
  [
    'blockers without a Prometheus',
    'steadyState:\n  blockers: [\'severity="critical"\']\n',
    {},
    'steadyState.blockers: needs steadyState.prometheus.url',
  ],
  [
    'a hypothesis without a Prometheus',
    'steadyState:\n  defaultHypothesis: up == 1\n',
    {},
    'steadyState.defaultHypothesis: needs steadyState.prometheus.url',
  ],
  [
    'an unreadable token file',
    `${URL_OK}    bearerTokenFile: /nonexistent/token\n`,
    {},
    'steadyState.prometheus.bearerTokenFile: file "/nonexistent/token" cannot be read',
  ],
  [
    'basic auth without a password file',
    `${URL_OK}    basicAuthUsername: havoc\n`,
    {},
    'steadyState.prometheus.basicAuthPasswordFile: basic auth needs both',
  ],
  ['a bad timeout', `${URL_OK}    timeout: soon\n`, {}, 'steadyState.prometheus.timeout: must be a duration'],
];
for (const [name, yaml, env, expected] of bad) {
  test(`steadyState config refused with the field named: ${name}`, (t) => {
    const found = problems(yaml, env);
    t.true(
      found.some((p) => p.startsWith(expected)),
      `${expected} in ${JSON.stringify(found)}`,
    );
  });
}

test('a valid steadyState section loads, and builds the gate only when a URL is set', (t) => {
  const token = file('token', 'abc\n');
  const yaml = `${URL_TLS}    bearerTokenFile: ${token}\n  blockers: ['severity="critical"', 'namespace="{{namespace}}",severity="warning"']\n  defaultHypothesis: 'kube_deployment_status_replicas_available{namespace="{{namespace}}",deployment="{{name}}"} >= 1'\n`;
  t.deepEqual(problems(yaml), []);
  const config = loadConfig({ file: file('ok.yaml', yaml), env: {} });
  t.deepEqual(config.steadyState.blockers, ['severity="critical"', 'namespace="{{namespace}}",severity="warning"']);
  t.truthy(steadyStateGateFromConfig({ config, clock: fakeClock(new Date()), report: () => undefined }));
  t.is(
    steadyStateGateFromConfig({ config: loadConfig({ env: {} }), clock: fakeClock(new Date()), report: () => undefined }),
    undefined,
    'off by default',
  );
});

test('a password in the Prometheus URL never shows in the redacted configuration', (t) => {
  const config = loadConfig({ env: { HAVOC_STEADY_STATE_PROMETHEUS_URL: 'https://havoc:SECRET@prom.example:9090/prom' } });
  t.is(redacted(config).steadyState.prometheus.url, 'https://redacted@prom.example:9090/prom');
  t.false(JSON.stringify(redacted(config)).includes('SECRET'));
});

test('credentials go to Prometheus only over https: an http URL with a token, a password or user:password@ is refused, naming the field', (t) => {
  const token = file('tls-token', 'abc\n');
  const clear = (what: string) =>
    `steadyState.prometheus.url: "http://prometheus.monitoring:9090" must be https: ${what} would travel in clear ` +
    '(steadyState.prometheus.allowInsecureHttp allows http to a loopback host, for local tests)';
  t.deepEqual(problems(`${URL_OK}    bearerTokenFile: ${token}\n`), [clear('steadyState.prometheus.bearerTokenFile')]);
  t.deepEqual(problems(`${URL_OK}    basicAuthUsername: havoc\n    basicAuthPasswordFile: ${token}\n`), [
    clear('steadyState.prometheus.basicAuthPasswordFile'),
  ]);
  const inUrl = 'steadyState:\n  prometheus:\n    url: http://havoc:SECRET@prometheus.monitoring:9090\n';
  t.deepEqual(problems(inUrl), [
    'steadyState.prometheus.url: "http://redacted@prometheus.monitoring:9090/" must be https: the credentials in the URL ' +
      'would travel in clear (steadyState.prometheus.allowInsecureHttp allows http to a loopback host, for local tests)',
  ]);
  t.deepEqual(problems(`${URL_TLS}    bearerTokenFile: ${token}\n`), []);
  t.deepEqual(problems(URL_OK), [], 'no credential: http is fine');
  // The switch is for local tests: it allows http to loopback only.
  const local = (host: string) =>
    `steadyState:\n  prometheus:\n    url: http://${host}:9090\n    allowInsecureHttp: true\n    bearerTokenFile: ${token}\n`;
  t.deepEqual(problems(local('127.0.0.1')), []);
  t.deepEqual(problems(local('[::1]')), []);
  t.is(problems(local('prometheus.monitoring')).length, 1);
});
