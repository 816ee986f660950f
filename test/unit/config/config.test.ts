import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ConfigError, loadConfig, redacted } from '../../../src/config/load.ts';
import { envName, havocSchema, leaves } from '../../../src/config/schema.ts';
import { toSettings } from '../../../src/config/settings.ts';
import { demoConfig } from '../../../scripts/demo/shop.ts';

const dir = mkdtempSync(join(tmpdir(), 'havoc-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const problems = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

test('defaults are safe: dry run on, one victim per tick, node chaos off', (t) => {
  const config = loadConfig({ env: {} });
  t.true(config.dryRun);
  t.is(config.blastRadius.maxKillsPerTick, 1);
  t.false(config.nodes.enabled);
  t.is(config.pods.method, 'evict');
  t.true(config.daemon.leaderElection.enabled);
});

test('the example config in config/ loads and is valid', (t) => {
  const config = loadConfig({ file: 'config/example.yaml', env: {} });
  t.true(config.dryRun);
  t.notThrows(() => toSettings(config));
});

test('the demo config (scripts/demo/shop.ts) loads and is valid', (t) => {
  // The demo e2e needs a control plane; this catches a demo the config would refuse without one.
  const path = file('demo.yaml', JSON.stringify(demoConfig({ metricsPort: 18080, slackUrl: 'http://127.0.0.1:18081/hook' })));
  t.notThrows(() => toSettings(loadConfig({ file: path, env: {} })));
});

test('YAML file, then environment overrides', (t) => {
  const path = file(
    'ok.yaml',
    'dryRun: true\nschedule:\n  timezone: Europe/Berlin\n  weekdays: [mon, wed]\nblastRadius:\n  maxKillsPerDay: 4\n',
  );
  const config = loadConfig({
    file: path,
    env: { HAVOC_BLAST_RADIUS_MAX_KILLS_PER_DAY: '7', HAVOC_DRY_RUN: 'false', HAVOC_NAMESPACES_EXCLUDE: 'payments, ledger' },
  });
  t.is(config.schedule.timezone, 'Europe/Berlin');
  t.deepEqual(config.schedule.weekdays, ['mon', 'wed']);
  t.is(config.blastRadius.maxKillsPerDay, 7);
  t.false(config.dryRun);
  t.deepEqual(config.namespaces.exclude, ['payments', 'ledger']);
});

const badCases: [string, string, Record<string, string>, string[]][] = [
  [
    'unknown key',
    'dryRun: true\nschedul:\n  cron: "* * * * *"\n',
    {},
    ["configuration param 'schedul.cron' not declared in the schema"],
  ],
  [
    'wrong type',
    'blastRadius:\n  maxKillsPerTick: many\n',
    {},
    ['blastRadius.maxKillsPerTick: must be a whole number of at least 1: value was "many"'],
  ],
  ['a boolean written as a word', 'nodes:\n  enabled: "no"\n', {}, ['nodes.enabled: must be true or false: value was "no"']],
  ['invalid cron expression', 'schedule:\n  cron: "*/10 25 * * *"\n', {}, ['schedule.cron: is not a valid cron expression']],
  [
    'unknown time zone',
    'schedule:\n  timezone: Europe/Atlantis\n',
    {},
    ['schedule.timezone: is not an IANA time zone such as Europe/Berlin: value was "Europe/Atlantis"'],
  ],
  [
    'end before start in a non-wrapping window',
    'schedule:\n  start: "17:00"\n  end: "09:00"\n',
    {},
    ['schedule.end: "09:00" is before start "17:00"; set overnight: true for a window that wraps past midnight'],
  ],
  [
    'a bad weekday',
    'schedule:\n  weekdays: [mon, funday]\n',
    {},
    ['schedule.weekdays: "funday" is not one of sun, mon, tue, wed, thu, fri, sat'],
  ],
  [
    'a bad holiday',
    'schedule:\n  excludedDates: ["2026-02-30"]\n',
    {},
    ['schedule.excludedDates: "2026-02-30" is not a date YYYY-MM-DD'],
  ],
  [
    'a bad duration',
    'selection:\n  defaultMtbf: banana\n',
    {},
    ['selection.defaultMtbf: must be a duration such as 30m, 8h, 2d, 1h30m: value was "banana"'],
  ],
  [
    'a bad env value',
    '',
    { HAVOC_BLAST_RADIUS_MAX_UNAVAILABLE_PERCENT: '0' },
    ['blastRadius.maxUnavailablePercent: must be a percentage above 0 and at most 100 (got 0)'],
  ],
  [
    'a bad pod method',
    'pods:\n  method: shoot\n',
    {},
    ['pods.method: must be one of the possible values: ["evict","delete"]: value was "shoot"'],
  ],
  [
    'a lease that expires before its renewal',
    'daemon:\n  leaderElection:\n    leaseDuration: 5s\n    renewInterval: 5s\n',
    {},
    ['daemon.leaderElection.leaseDuration: "5s" must be at least twice renewInterval "5s"'],
  ],
  ['a bad namespace selector', 'namespaces:\n  selector: "team in (a,b"\n', {}, ['namespaces.selector:']],
  // What each field accepts on its own but would break at run time.
  [
    'a drain timeout as long as the drain',
    'nodes:\n  drainDuration: 5m\n  drainTimeout: 5m\n',
    {},
    ['nodes.drainTimeout: "5m" must be shorter than nodes.drainDuration "5m"'],
  ],
  [
    'a drain timeout longer than the drain',
    'nodes:\n  drainDuration: 8s\n  drainTimeout: 1m\n',
    {},
    ['nodes.drainTimeout: "1m" must be shorter than nodes.drainDuration "8s"'],
  ],
  [
    'a lease duration in fractional seconds',
    'daemon:\n  leaderElection:\n    leaseDuration: 7.5s\n    renewInterval: 2s\n',
    {},
    ['daemon.leaderElection.leaseDuration: "7.5s" must be a whole number of seconds'],
  ],
  [
    'a renew interval in fractional seconds',
    '',
    { HAVOC_DAEMON_LEADER_ELECTION_RENEW_INTERVAL: '2.5s' },
    ['daemon.leaderElection.renewInterval: "2.5s" must be a whole number of seconds'],
  ],
  [
    'a renew interval below the floor',
    'daemon:\n  leaderElection:\n    renewInterval: 0.5s\n',
    {},
    ['daemon.leaderElection.renewInterval: "0.5s" is below the floor of 1s'],
  ],
  [
    'a renew interval shorter than a read and two writes',
    'daemon:\n  leaderElection:\n    leaseDuration: 1m\n    renewInterval: 29s\n',
    {},
    [
      'daemon.leaderElection.renewInterval: "29s" must be at least kubernetes.readTimeout "10s" + 2 x kubernetes.writeTimeout "10s" (30s)',
    ],
  ],
  [
    'a renew interval shorter than the timeouts given',
    'kubernetes:\n  readTimeout: 2s\n  writeTimeout: 1.5s\ndaemon:\n  leaderElection:\n    leaseDuration: 12s\n    renewInterval: 4s\n',
    {},
    [
      'daemon.leaderElection.renewInterval: "4s" must be at least kubernetes.readTimeout "2s" + 2 x kubernetes.writeTimeout "1.5s" (5s)',
    ],
  ],
  [
    'a recovery poll below the floor',
    'pods:\n  recoveryPollInterval: 0.2s\n',
    {},
    ['pods.recoveryPollInterval: "0.2s" is below the floor of 1s'],
  ],
  [
    'a tick deadline below the floor',
    'schedule:\n  tickDeadline: 0.5s\n',
    {},
    ['schedule.tickDeadline: "0.5s" is below the floor of 1s'],
  ],
];

test('what breaks at run time is refused only below its limit: a drain timeout shorter than the drain, whole-second leases, 1s polls', (t) => {
  const config = loadConfig({
    env: {
      HAVOC_NODES_DRAIN_DURATION: '8s',
      HAVOC_NODES_DRAIN_TIMEOUT: '7s',
      HAVOC_DAEMON_LEADER_ELECTION_LEASE_DURATION: '1.5m',
      HAVOC_DAEMON_LEADER_ELECTION_RENEW_INTERVAL: '1s',
      // The renewal's floor: a read and two writes.
      HAVOC_KUBERNETES_READ_TIMEOUT: '0.5s',
      HAVOC_KUBERNETES_WRITE_TIMEOUT: '0.25s',
      HAVOC_PODS_RECOVERY_POLL_INTERVAL: '1s',
      HAVOC_SCHEDULE_TICK_DEADLINE: '1s',
    },
  });
  t.is(config.nodes.drainTimeout, '7s');
});

test('the renew interval may equal a read and two writes; without leader election it is not used, nor checked', (t) => {
  const atTheDefaults = { HAVOC_DAEMON_LEADER_ELECTION_LEASE_DURATION: '1m', HAVOC_DAEMON_LEADER_ELECTION_RENEW_INTERVAL: '30s' };
  t.is(loadConfig({ env: atTheDefaults }).daemon.leaderElection.renewInterval, '30s');
  const off = {
    ...atTheDefaults,
    HAVOC_DAEMON_LEADER_ELECTION_RENEW_INTERVAL: '2s',
    HAVOC_DAEMON_LEADER_ELECTION_ENABLED: 'false',
  };
  t.is(loadConfig({ env: off }).daemon.leaderElection.renewInterval, '2s');
});

for (const [name, yaml, env, expected] of badCases) {
  test(`bad config is refused with field and value: ${name}`, (t) => {
    const found = problems(() => loadConfig({ file: file(`${name.replace(/\W+/g, '-')}.yaml`, yaml), env }));
    for (const message of expected)
      t.true(
        found.some((p) => p.startsWith(message)),
        `${message} in ${JSON.stringify(found)}`,
      );
  });
}

test('every problem is listed at once', (t) => {
  const found = problems(() =>
    loadConfig({
      file: file('many.yaml', 'dryRun: maybe\nschedule:\n  cron: nope\n  timezone: Nowhere/Land\nfoo: 1\n'),
      env: {},
    }),
  );
  t.is(found.length, 4);
});

test('a missing file is named', (t) => {
  t.deepEqual(
    problems(() => loadConfig({ file: join(dir, 'absent.yaml'), env: {} })),
    [`config file "${join(dir, 'absent.yaml')}" does not exist`],
  );
});

test('the webhook URL can come from a file and never shows in errors or redacted output', (t) => {
  const secret = 'https://hooks.slack.example/services/T000/B000/SECRET';
  const urlFile = file('webhook', `${secret}\n`);
  const config = loadConfig({ env: { HAVOC_SLACK_WEBHOOK_URL_FILE: urlFile } });
  t.is(config.slack.webhookUrl, secret);
  t.false(JSON.stringify(redacted(config)).includes('SECRET'));
  const found = problems(() => loadConfig({ env: { HAVOC_SLACK_WEBHOOK_URL: 'ftp://x/SECRET' } }));
  t.deepEqual(found, ['slack.webhookUrl: must be an http(s) URL']);
});

test('protected namespaces always include kube-system and the daemon namespace', (t) => {
  const settings = toSettings(loadConfig({ env: { HAVOC_NAMESPACES_PROTECTED: 'legacy', POD_NAMESPACE: 'chaos' } }));
  t.deepEqual([...settings.namespaces.protected].sort(), ['chaos', 'kube-system', 'legacy']);
});

test('every setting has documentation, and an env name derived from its path', (t) => {
  const all = leaves(havocSchema());
  t.true(all.length > 40);
  for (const [path, leaf] of all) t.true(leaf.doc.length > 10, path);
  t.is(envName(['blastRadius', 'maxKillsPerDay']), 'HAVOC_BLAST_RADIUS_MAX_KILLS_PER_DAY');
});

test('the Slack webhook URL must be https; the switch allows http only to a loopback host', (t) => {
  const clear =
    'must be an https URL: the webhook URL is a secret that http would carry in clear ' +
    '(slack.allowInsecureHttp allows http to a loopback host, for local tests)';
  const url = 'http://hooks.slack.example/services/T000/B000/SECRET';
  t.deepEqual(
    problems(() => loadConfig({ env: { HAVOC_SLACK_WEBHOOK_URL: url } })),
    [`slack.webhookUrl: ${clear}`],
  );
  t.deepEqual(
    problems(() => loadConfig({ env: { HAVOC_SLACK_WEBHOOK_URL_FILE: file('clear-webhook', `${url}\n`) } })),
    [`slack.webhookUrlFile: ${clear}`],
  );
  t.deepEqual(
    problems(() => loadConfig({ env: { HAVOC_SLACK_WEBHOOK_URL: url, HAVOC_SLACK_ALLOW_INSECURE_HTTP: 'true' } })),
    [`slack.webhookUrl: ${clear}`],
    'the switch does not reach beyond loopback',
  );
  const local = loadConfig({
    env: { HAVOC_SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/hook/SECRET', HAVOC_SLACK_ALLOW_INSECURE_HTTP: 'true' },
  });
  t.is(local.slack.webhookUrl, 'http://127.0.0.1:9/hook/SECRET');
  t.is(
    loadConfig({ env: { HAVOC_SLACK_WEBHOOK_URL: 'https://hooks.slack.example/x/SECRET' } }).slack.webhookUrl.length > 0,
    true,
  );
});

test('/kills is off by default; token needs a readable, non-empty token file; a token file needs token', (t) => {
  t.is(loadConfig({ env: {} }).server.kills, 'off');
  t.is(loadConfig({ env: {} }).server.host, '0.0.0.0');
  t.deepEqual(
    problems(() => loadConfig({ env: { HAVOC_SERVER_KILLS: 'token' } })),
    ['server.killsTokenFile: server.kills "token" needs the file holding the token'],
  );
  t.deepEqual(
    problems(() => loadConfig({ env: { HAVOC_SERVER_KILLS: 'token', HAVOC_SERVER_KILLS_TOKEN_FILE: join(dir, 'absent') } })),
    [`server.killsTokenFile: file "${join(dir, 'absent')}" cannot be read`],
  );
  const empty = file('empty-token', '\n');
  t.deepEqual(
    problems(() => loadConfig({ env: { HAVOC_SERVER_KILLS: 'token', HAVOC_SERVER_KILLS_TOKEN_FILE: empty } })),
    [`server.killsTokenFile: file "${empty}" is empty`],
  );
  const token = file('kills-token', 's3cr3t-token\n');
  t.deepEqual(
    problems(() => loadConfig({ env: { HAVOC_SERVER_KILLS_TOKEN_FILE: token } })),
    ['server.killsTokenFile: is set but server.kills is "off"; set server.kills to token to use it'],
  );
  t.is(loadConfig({ env: { HAVOC_SERVER_KILLS: 'token', HAVOC_SERVER_KILLS_TOKEN_FILE: token } }).server.kills, 'token');
  t.regex(problems(() => loadConfig({ env: { HAVOC_SERVER_KILLS: 'yes' } }))[0] ?? '', /^server\.kills: /);
});

test('the probes and the metrics listen on ports of their own: 8081 and 8080 by default, a shared port is refused', (t) => {
  t.like(loadConfig({ env: {} }).server, { host: '0.0.0.0', port: 8080, healthHost: '0.0.0.0', healthPort: 8081 });
  const shared = [
    'server.healthPort: 8080 is also server.port; the health listener (/healthz, /readyz) needs a port of its own, ' +
      'so that a NetworkPolicy can admit the kubelet to the probes without admitting it to /metrics and /kills ' +
      '(e.g. 8081, or 0 for no health listener)',
  ];
  t.deepEqual(
    problems(() => loadConfig({ env: { HAVOC_SERVER_HEALTH_PORT: '8080' } })),
    shared,
  );
  t.deepEqual(
    problems(() => loadConfig({ file: file('shared-port.yaml', 'server:\n  port: 9090\n  healthPort: 9090\n'), env: {} })),
    [shared[0]?.replaceAll('8080', '9090') ?? ''],
  );
  t.deepEqual(
    problems(() =>
      loadConfig({
        env: { HAVOC_SERVER_HOST: '127.0.0.1', HAVOC_SERVER_HEALTH_HOST: '127.0.0.2', HAVOC_SERVER_HEALTH_PORT: '8080' },
      }),
    ),
    shared,
    'other addresses do not make a shared port separate: a NetworkPolicy sees only the port',
  );
  // An old config with only server.port keeps loading; 0 turns either listener off, and two zeros do not collide.
  t.like(loadConfig({ file: file('old-server.yaml', 'server:\n  host: 127.0.0.1\n  port: 9090\n'), env: {} }).server, {
    port: 9090,
    healthPort: 8081,
  });
  t.like(loadConfig({ env: { HAVOC_SERVER_PORT: '0', HAVOC_SERVER_HEALTH_PORT: '0' } }).server, { port: 0, healthPort: 0 });
  t.regex(problems(() => loadConfig({ env: { HAVOC_SERVER_HEALTH_PORT: '70000' } }))[0] ?? '', /^server\.healthPort: .*70000/);
});

test('the probe allow-list is validated, naming the field and the value', (t) => {
  const found = problems(() =>
    loadConfig({
      env: { HAVOC_PODS_PROBE_ALLOW_CIDRS: '10.0.0.0/8,10.0.0.0/99', HAVOC_PODS_PROBE_ALLOW_HOSTS: 'ok.example,bad host' },
    }),
  );
  t.is(found.length, 2);
  t.true(found.some((p) => p.startsWith('pods.probeAllowCidrs:') && p.includes('"10.0.0.0/99" is not a CIDR range')));
  t.true(found.some((p) => p.startsWith('pods.probeAllowHosts:') && p.includes('"bad host" is not a host name')));
  const settings = toSettings(
    loadConfig({ env: { HAVOC_PODS_PROBE_ALLOW_CIDRS: '127.0.0.1/32', HAVOC_PODS_PROBE_ALLOW_HOSTS: '*.x.example' } }),
  );
  t.deepEqual(settings.policy.probe?.allowHosts, ['*.x.example']);
  t.is(settings.policy.probe?.allowCidrs.length, 1);
});
