// The chart and the daemon agree on what is valid: for each value set, the
// chart renders a config that `kube-havoc validate` accepts, or Helm refuses it
// at install time naming the value, and then the daemon refuses the same value
// at start-up too (the table runs the daemon's loader in process, the code
// behind `kube-havoc validate`; the defaults and the issue's four values run
// the built CLI itself). A chart that accepted what the daemon refuses would install
// a pod that crash-loops. Where the chart is knowingly stricter than the
// daemon, the case says so (and the chart's message names the value).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { CHART_DIR, runHelm } from '../../scripts/tools/helm.ts';
import { knownTimeZones, TIMEZONES_FILE } from '../../scripts/tools/helm-timezones.ts';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { isTimeZone } from '../../src/domain/window/businessWindow.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'havoc-agreement-'));
let files = 0;

interface Case {
  /** A dotted path that is the same in values.yaml and in the daemon's config.yaml. */
  readonly path: string;
  readonly value: unknown;
  /** Extra values set together with this one (e.g. overnight with a window). */
  readonly with?: Readonly<Record<string, unknown>>;
  /** The chart refuses it although the daemon would start: why that is right. */
  readonly chartStricter?: string;
}

const cron = (value: string, chartStricter?: string): Case => ({
  path: 'schedule.cron',
  value,
  ...(chartStricter ? { chartStricter } : {}),
});
const zone = (value: string, chartStricter?: string): Case => ({
  path: 'schedule.timezone',
  value,
  ...(chartStricter ? { chartStricter } : {}),
});
const selector = (value: string): Case[] => [
  { path: 'namespaces.selector', value },
  { path: 'nodes.selector', value },
];
/** Timeouts short enough that the renewal's floor (a read and two writes) is the 1s floor: these cases are about the lease. */
const lease = (leaseDuration: string, renewInterval: string): Case => ({
  path: 'daemon.leaderElection.leaseDuration',
  value: leaseDuration,
  with: {
    'daemon.leaderElection.renewInterval': renewInterval,
    'kubernetes.readTimeout': '0.5s',
    'kubernetes.writeTimeout': '0.25s',
  },
});
const duration = (p: string, value: string, chartStricter?: string): Case => ({
  path: p,
  value,
  ...(chartStricter ? { chartStricter } : {}),
});

const CASES: Case[] = [
  ...[
    '61 * * * *',
    '59 * * * *',
    '* * * * *',
    '*/10 * * * *',
    '0 9-17 * * 1-5',
    '0 17-9 * * *',
    '0 0 0 * *',
    '0 0 32 * *',
    '0 0 * 13 *',
    '0 0 * 0 *',
    '0 0 * * 7',
    '0 0 * * 8',
    '0 0 * jan mon',
    '0 0 * JAN MON',
    '0 0 * january monday',
    '*/0 * * * *',
    '0/5 * * * *',
    '1,2,3 * * * *',
    '1-5/2 * * * *',
    '? * * * *',
    '0 0 ? * *',
    '60 * * * * *',
    '59 59 23 31 12 7',
    'a * * * *',
    '* * * * * * *',
    '* * * *',
    '* 24 * * *',
    '*/60 * * * *',
    '-1 * * * *',
    '01 * * * *',
    '0 0 * feb-dec *',
    '0 0 * * sun-sat',
    '0-59/15 * * * *',
    '30 */2 * * * *',
    '',
    '0 0 1,15 * mon-fri',
    'banana',
    // node-cron's macros, in any letter case; the rest of crontab's @ words are not node-cron's.
    '@hourly',
    '@daily',
    '@midnight',
    '@weekly',
    '@monthly',
    '@yearly',
    '@annually',
    '@HOURLY',
    '@Daily',
    ' @weekly ',
    '@reboot',
    '@every 5m',
    '@hourly x',
    '@ hourly',
    '@',
  ].map((c) => cron(c)),
  cron('0 0 L * *', 'node-cron accepts L without supporting it; the chart takes only the standard syntax'),
  ...[
    'UTC',
    'Europe/Berlin',
    'America/New_York',
    'Asia/Kolkata',
    'Asia/Calcutta',
    'Europe/Kyiv',
    'US/Eastern',
    'Etc/UTC',
    'Etc/GMT+5',
    'GMT',
    'Mars/Olympus',
    'Europe/Berlinn',
    '',
    'Berlin',
    'UTC+1',
  ].map((z) => zone(z)),
  zone('utc', 'Intl ignores letter case; the chart wants the IANA spelling'),
  zone('europe/berlin', 'Intl ignores letter case; the chart wants the IANA spelling'),
  ...[
    '',
    'chaos=allowed',
    'chaos==allowed',
    'env!=prod',
    'chaos=allowed,env!=prod',
    'env in (staging,dev)',
    'env notin (prod)',
    'env in ()',
    'havoc',
    '!legacy',
    'example.com/team=payments',
    'a,,b',
    'env in (prod',
    'env=prod=x',
    '=x',
    'env in prod',
    '!a=b',
    'Chaos=yes',
    'bad key=x',
    'env=-x',
    'env=x-',
    'a/b/c=d',
    'env in (a, b)',
    ' env = prod ',
    'env=prod,',
  ].flatMap(selector),
  lease('15s', '5s'),
  lease('10s', '5s'),
  lease('9s', '5s'),
  lease('5s', '5s'),
  lease('1m', '30s'),
  lease('1m', '31s'),
  lease('1.5m', '45s'),
  ...['0s', '0m', '0.0h', '1s', '0.5s', '1h30m', '2d', '1w', '0s0m'].map((d) => duration('selection.minPodAge', d)),
  duration('selection.defaultMtbf', '0d'),
  duration('nodes.drainDuration', '0s'),
  duration('slack.timeout', '0s'),
  duration('pods.recoveryPollInterval', '0s'),
  // What breaks at run time (src/config/runTimeProblems.ts).
  ...['0.5s', '0.9s', '1s', '1.5s'].map((d) => duration('pods.recoveryPollInterval', d)),
  ...['0.5s', '1s'].map((d) => duration('schedule.tickDeadline', d)),
  lease('7.5s', '2s'),
  lease('15s', '2.5s'),
  lease('15s', '0.5s'),
  // The renewal's floor: kubernetes.readTimeout + 2 x kubernetes.writeTimeout, with leader election on.
  ...[
    ['29s', '10s', '10s'],
    ['30s', '10s', '10s'],
    ['4s', '2s', '1.5s'],
    ['5s', '2s', '1.5s'],
    ['9s', '3s', '3s'],
    ['8s', '3s', '3s'],
  ].map(([renewInterval, readTimeout, writeTimeout]) => ({
    path: 'daemon.leaderElection.renewInterval',
    value: renewInterval,
    with: {
      'daemon.leaderElection.leaseDuration': '1m',
      'kubernetes.readTimeout': readTimeout,
      'kubernetes.writeTimeout': writeTimeout,
    },
  })),
  {
    path: 'daemon.leaderElection.renewInterval',
    value: '2s',
    with: { 'daemon.leaderElection.leaseDuration': '6s', 'daemon.leaderElection.enabled': false },
  },
  ...[
    ['10m', '10m'],
    ['10m', '11m'],
    ['10m', '9m59s'],
    ['8s', '7s'],
  ].map(([drainDuration, drainTimeout]) => ({
    path: 'nodes.drainTimeout',
    value: drainTimeout,
    with: { 'nodes.drainDuration': drainDuration },
  })),
  duration('selection.minPodAge', ' 5m', 'the daemon trims blanks; the chart takes the duration as written'),
  { path: 'schedule.excludedDates', value: ['2025-12-24'] },
  { path: 'schedule.excludedDates', value: ['2025-02-30'] },
  { path: 'schedule.excludedDates', value: ['2024-02-29'] },
  { path: 'schedule.excludedDates', value: ['2025-02-29'] },
  { path: 'schedule.excludedDates', value: ['24-12-2025'] },
  { path: 'schedule.start', value: '24:00', with: { 'schedule.end': '24:00' } },
  { path: 'schedule.start', value: '24:00', with: { 'schedule.end': '10:00', 'schedule.overnight': true } },
  { path: 'schedule.start', value: '22:00', with: { 'schedule.end': '06:00', 'schedule.overnight': true } },
  { path: 'schedule.start', value: '22:00', with: { 'schedule.end': '06:00' } },
  { path: 'schedule.end', value: '24:00' },
  { path: 'schedule.end', value: '10:00' },
  { path: 'schedule.start', value: '9:00' },
  { path: 'schedule.weekdays', value: [] },
  { path: 'schedule.weekdays', value: ['sat', 'sun'] },
  { path: 'schedule.weekdays', value: ['Mon'] },
  { path: 'blastRadius.maxUnavailablePercent', value: 0 },
  { path: 'blastRadius.maxUnavailablePercent', value: 100 },
  { path: 'blastRadius.maxUnavailablePercent', value: 100.5 },
  { path: 'blastRadius.maxKillsPerTick', value: 0 },
  { path: 'blastRadius.maxKillsPerDay', value: 1.5 },
  { path: 'nodes.minReadyPercent', value: 0.5 },
  { path: 'labelPrefix', value: 'chaos.example.com' },
  { path: 'labelPrefix', value: 'havoc/' },
  { path: 'labelPrefix', value: 'Havoc' },
  { path: 'namespaces.exclude', value: ['shop'] },
  { path: 'namespaces.exclude', value: ['Shop'] },
  { path: 'namespaces.protected', value: [] },
  { path: 'pods.method', value: 'delete' },
  { path: 'pods.method', value: 'kill' },
  { path: 'pods.gracePeriodSeconds', value: 0 },
  { path: 'pods.gracePeriodSeconds', value: -1 },
  { path: 'log.level', value: 'debug' },
  { path: 'log.level', value: 'verbose' },
  {
    path: 'clusterName',
    value: '',
    chartStricter: 'an empty name would leave Slack messages and Events without the cluster they come from',
  },
  { path: 'daemon.stateConfigMap', value: 'My_State' },
  { path: 'daemon.leaderElection.leaseName', value: 'havoc.lease' },
];

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] = typeof node[key] === 'object' && node[key] !== null ? { ...(node[key] as object) } : {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1) as string] = value;
}

function assignments(c: Case): [string, unknown][] {
  return [[c.path, c.value], ...Object.entries(c.with ?? {})];
}

/** helm template of the ConfigMap with the case's values: the config.yaml, or helm's error. */
function render(values: Record<string, unknown>): { config: string } | { error: string } {
  const file = path.join(dir, `values-${files++}.yaml`);
  writeFileSync(file, stringify(values));
  const result = runHelm([
    'template',
    'havoc',
    CHART_DIR,
    '--namespace',
    'havoc',
    '--show-only',
    'templates/configmap.yaml',
    '-f',
    file,
  ]);
  if (result.status !== 0) return { error: result.stderr };
  const configMap = parseAllDocuments(result.stdout)[0]?.toJS() as { data: { 'config.yaml': string } };
  return { config: configMap.data['config.yaml'] };
}

/** The daemon's start-up check of a config file, in process: exit code 0 or 1 as `kube-havoc validate` would give. */
function load(config: string): { code: number; output: string } {
  const file = path.join(dir, `config-${files++}.yaml`);
  writeFileSync(file, config);
  try {
    loadConfig({ file, env: {} });
    return { code: 0, output: '' };
  } catch (error) {
    if (error instanceof ConfigError) return { code: 1, output: error.message };
    throw error;
  }
}

/** `kube-havoc validate FILE` with the built daemon: exit code and what it printed. */
function validate(config: string): Promise<{ code: number | null; output: string }> {
  const file = path.join(dir, `config-${files++}.yaml`);
  writeFileSync(file, config);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'main.js'), 'validate', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '' },
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => {
      output += b.toString('utf8');
    });
    child.stderr.on('data', (b: Buffer) => {
      output += b.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

const defaults = render({});

test("the chart's default values render a config that kube-havoc validate accepts", async (t) => {
  if (!('config' in defaults)) return t.fail(defaults.error);
  const result = await validate(defaults.config);
  t.is(result.code, 0, result.output);
});

test(`chart and daemon agree on ${CASES.length} value sets: the chart refuses, naming the value, exactly what the daemon refuses`, async (t) => {
  if (!('config' in defaults)) return t.fail(defaults.error);
  const base = parseYaml(defaults.config) as Record<string, unknown>;
  const verdicts: string[] = [];
  let refusedByBoth = 0;
  for (const c of CASES) {
    {
      const values: Record<string, unknown> = {};
      const config = structuredClone(base);
      for (const [p, v] of assignments(c)) {
        setPath(values, p, v);
        setPath(config, p, v);
      }
      const chart = render(values);
      const daemon = load('config' in chart ? chart.config : stringify(config));
      const label = `${c.path}=${JSON.stringify(c.value)}${c.with ? ` with ${JSON.stringify(c.with)}` : ''}`;
      if ('error' in chart) {
        if (!chart.error.includes(c.path) && !Object.keys(c.with ?? {}).some((p) => chart.error.includes(p)))
          verdicts.push(`${label}: helm's refusal does not name the value: ${chart.error}`);
        if (c.chartStricter !== undefined) {
          if (daemon.code !== 0) verdicts.push(`${label}: marked chart-stricter but the daemon refuses it too: ${daemon.output}`);
        } else if (daemon.code === 0) {
          verdicts.push(`${label}: helm refuses it but the daemon accepts it: ${chart.error.trim()}`);
        } else {
          refusedByBoth++;
        }
      } else {
        if (c.chartStricter !== undefined) verdicts.push(`${label}: marked chart-stricter but helm accepts it`);
        if (daemon.code !== 0)
          verdicts.push(`${label}: helm accepts it but the daemon refuses to start: ${daemon.output.trim()}`);
      }
    }
  }
  t.deepEqual(verdicts, []);
  t.true(refusedByBoth >= 40, `the table exercises refusals (${refusedByBoth} refused by both)`);
});

test('Helm names the four values the issue found, at install time; kube-havoc validate refuses each in the default config', async (t) => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ schedule: { cron: '61 * * * *' } }, /schedule\.cron "61 \* \* \* \*": "61" is not a valid minute/],
    [{ schedule: { timezone: 'Mars/Olympus' } }, /schedule\.timezone "Mars\/Olympus" is not an IANA time zone/],
    [{ namespaces: { selector: 'env in (prod' } }, /namespaces\.selector "env in \(prod" is not a label selector/],
    [
      { daemon: { leaderElection: { leaseDuration: '5s', renewInterval: '5s' } } },
      /daemon\.leaderElection\.leaseDuration "5s" must be at least twice daemon\.leaderElection\.renewInterval "5s"/,
    ],
  ];
  if (!('config' in defaults)) return t.fail(defaults.error);
  for (const [values, message] of cases) {
    const result = render(values);
    t.true('error' in result && message.test(result.error), JSON.stringify(result));
    const config = structuredClone(parseYaml(defaults.config) as Record<string, unknown>);
    for (const [section, fields] of Object.entries(values))
      config[section] = { ...(config[section] as object), ...(fields as object) };
    const daemon = await validate(stringify(config));
    t.is(daemon.code, 1, daemon.output);
    t.regex(daemon.output, new RegExp(Object.keys(values)[0] ?? '-'));
  }
});

test('files/timezones.txt is current: every zone this Node knows is in it, and every name in it is one the daemon accepts', (t) => {
  const inFile = readFileSync(TIMEZONES_FILE, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const listed = new Set(inFile);
  t.deepEqual(
    knownTimeZones().filter((z) => !listed.has(z)),
    [],
    'stale: run node scripts/tools/helm-timezones.ts',
  );
  t.deepEqual(
    inFile.filter((z) => !isTimeZone(z)),
    [],
  );
  t.true(listed.has('UTC') && listed.has('Europe/Berlin') && listed.has('Asia/Kolkata'));
});
