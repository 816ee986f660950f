// The chart's PrometheusRule: every alert the README documents is in it, and
// each is run through `promtool test rules` on made-up series: it fires when
// it should, with the labels and text an on-call person sees, and stays quiet
// for dry runs, successful sends and short pauses.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { parseAllDocuments, stringify } from 'yaml';
import { CHART_DIR, runHelm } from '../../scripts/tools/helm.ts';
import { anchors, ROOT } from '../../scripts/tools/doc-links.ts';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface PrometheusRule {
  apiVersion: string;
  kind: string;
  metadata: { labels: Record<string, string> };
  spec: { groups: { name: string; rules: Rule[] }[] };
}

function rendered(sets: readonly string[] = []): PrometheusRule | undefined {
  const result = runHelm(['template', 'havoc', CHART_DIR, '--namespace', 'havoc', ...sets.flatMap((s) => ['--set', s])]);
  if (result.status !== 0) throw new Error(result.stderr);
  return (
    parseAllDocuments(result.stdout)
      .map((d) => d.toJS() as PrometheusRule | null)
      .find((o) => o?.kind === 'PrometheusRule') ?? undefined
  );
}

// As scraped from this release (namespace havoc, job kube-havoc); series of the workloads keep their own namespace.
const INSTALL = 'job="kube-havoc",namespace="havoc"';
const notRecovered =
  'havoc_not_recovered_total{job="kube-havoc",namespace="shop",kind="Deployment",workload="checkout",action="pod-kill",dry_run="false"}';
const notRecoveredDry =
  'havoc_not_recovered_total{job="kube-havoc",namespace="shop",kind="Deployment",workload="cart",action="pod-kill",dry_run="true"}';
const INSTALL_LABELS = { job: 'kube-havoc', namespace: 'havoc' };
const RUNBOOKS = 'https://github.com/kube-havoc/kube-havoc/blob/main/docs/operations.md';
const runbook = (alert: string) => `${RUNBOOKS}#${alert.toLowerCase()}`;

// promtool unit tests: input series at 1m steps, alerts expected at given times.
const ABSENT = {
  exp_labels: { severity: 'warning', team: 'platform' },
  exp_annotations: {
    summary: 'No kube-havoc daemon is being scraped',
    description:
      'No target of job kube-havoc in namespace havoc has been up for 10m: the daemon is crash-looping, cannot pull its image, ' +
      'is Pending, or Prometheus cannot reach it. No chaos happens and no other kube-havoc alert can fire.',
    runbook_url: runbook('HavocAbsent'),
  },
};
const NO_LEADER = {
  exp_labels: { severity: 'warning', team: 'platform' },
  exp_annotations: {
    summary: 'No kube-havoc replica holds the leader lease',
    description: "kube-havoc is running but no replica acts, so no chaos happens. Check the daemon's logs and the Lease.",
    runbook_url: runbook('HavocNoLeader'),
  },
};
const STATE_FULL = {
  exp_labels: { severity: 'warning', team: 'platform', pod: 'a', reason: 'state-full', dry_run: 'false', ...INSTALL_LABELS },
  exp_annotations: {
    summary: 'kube-havoc refuses chaos because its state is full',
    description:
      'a refused disruptions in the last hour (dry_run=false): the state ConfigMap would pass its bound, so no kill ' +
      'or drain starts. Budgets and the kill switch are intact; the state shrinks as old attempts pass the gap.',
    runbook_url: runbook('HavocStateFull'),
  },
};
const TESTS = [
  // Gone for 25 minutes (no series of this install at all; another install in another namespace is up): absence fires.
  {
    interval: '1m',
    input_series: [{ series: 'up{job="kube-havoc",namespace="havoc-eu"}', values: '1x30' }],
    alert_rule_test: [
      { eval_time: '5m', alertname: 'HavocAbsent', exp_alerts: [] },
      { eval_time: '25m', alertname: 'HavocAbsent', exp_alerts: [ABSENT] },
    ],
  },
  // Scraped but down (up 0) for 25 minutes: fires; up again: quiet.
  {
    interval: '1m',
    input_series: [{ series: `up{${INSTALL},instance="10.0.0.7:8080"}`, values: '0x25 1x10' }],
    alert_rule_test: [
      { eval_time: '25m', alertname: 'HavocAbsent', exp_alerts: [ABSENT] },
      { eval_time: '30m', alertname: 'HavocAbsent', exp_alerts: [] },
    ],
  },
  // Present, no leader: HavocNoLeader fires and HavocAbsent does not.
  {
    interval: '1m',
    input_series: [
      { series: `up{${INSTALL},instance="10.0.0.7:8080"}`, values: '1x30' },
      { series: `havoc_leader{${INSTALL},instance="10.0.0.7:8080"}`, values: '0x30' },
    ],
    alert_rule_test: [
      { eval_time: '25m', alertname: 'HavocAbsent', exp_alerts: [] },
      {
        eval_time: '25m',
        alertname: 'HavocNoLeader',
        exp_alerts: [NO_LEADER],
      },
    ],
  },
  {
    interval: '1m',
    input_series: [
      { series: notRecovered, values: '0 0 0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1' },
      { series: notRecoveredDry, values: '0 1 2 3 4 5 6 7 8 9 10' },
    ],
    alert_rule_test: [
      { eval_time: '2m', alertname: 'HavocKillNotRecovered', exp_alerts: [] },
      {
        eval_time: '5m',
        alertname: 'HavocKillNotRecovered',
        exp_alerts: [
          {
            exp_labels: {
              severity: 'warning',
              team: 'platform',
              namespace: 'shop',
              kind: 'Deployment',
              workload: 'checkout',
              action: 'pod-kill',
              dry_run: 'false',
              job: 'kube-havoc',
            },
            exp_annotations: {
              summary: 'A workload did not recover from a kube-havoc kill',
              description:
                'Deployment shop/checkout was not back at steady state within the recovery timeout after a pod-kill: it may not survive a real failure.',
              runbook_url: runbook('HavocKillNotRecovered'),
            },
          },
        ],
      },
      { eval_time: '25m', alertname: 'HavocKillNotRecovered', exp_alerts: [] },
    ],
  },
  {
    interval: '1m',
    input_series: [
      { series: `havoc_leader{${INSTALL},pod="a"}`, values: '0x30' },
      { series: `havoc_leader{${INSTALL},pod="b"}`, values: '0x30' },
    ],
    alert_rule_test: [
      { eval_time: '5m', alertname: 'HavocNoLeader', exp_alerts: [] },
      {
        eval_time: '15m',
        alertname: 'HavocNoLeader',
        exp_alerts: [NO_LEADER],
      },
    ],
  },
  {
    interval: '1m',
    input_series: [
      { series: `havoc_leader{${INSTALL},pod="a"}`, values: '0x30' },
      { series: `havoc_leader{${INSTALL},pod="b"}`, values: '1x30' },
    ],
    alert_rule_test: [{ eval_time: '20m', alertname: 'HavocNoLeader', exp_alerts: [] }],
  },
  {
    interval: '1m',
    input_series: [
      { series: `havoc_paused{${INSTALL},pod="a"}`, values: '1x1600' },
      { series: `havoc_paused{${INSTALL},pod="b"}`, values: '0x1600' },
    ],
    alert_rule_test: [
      // A pause younger than a day is no alert, even though the series itself is young.
      { eval_time: '23h', alertname: 'HavocPausedForADay', exp_alerts: [] },
      {
        eval_time: '25h',
        alertname: 'HavocPausedForADay',
        exp_alerts: [
          {
            exp_labels: { severity: 'info', team: 'platform' },
            exp_annotations: {
              summary: 'kube-havoc has been paused for a day',
              description:
                'The kill switch has been on for 24 hours. Resume chaos (kube-havoc resume) once the incident is over.',
              runbook_url: runbook('HavocPausedForADay'),
            },
          },
        ],
      },
    ],
  },
  {
    interval: '1m',
    input_series: [{ series: `havoc_paused{${INSTALL},pod="a"}`, values: '1x1000 0x1000' }],
    alert_rule_test: [{ eval_time: '30h', alertname: 'HavocPausedForADay', exp_alerts: [] }],
  },
  {
    interval: '1m',
    input_series: [
      { series: `havoc_notifications_total{${INSTALL},notifier="slack",result="failed"}`, values: '0 0 0 1 1 1 1' },
      { series: `havoc_notifications_total{${INSTALL},notifier="slack",result="sent"}`, values: '0 1 2 3 4 5 6' },
    ],
    alert_rule_test: [
      {
        eval_time: '5m',
        alertname: 'HavocNotificationsLost',
        exp_alerts: [
          {
            exp_labels: { severity: 'warning', team: 'platform', notifier: 'slack', result: 'failed', ...INSTALL_LABELS },
            exp_annotations: {
              summary: 'kube-havoc messages are being lost',
              description: 'slack notifications ended failed in the last hour: the team is not told about every kill.',
              runbook_url: runbook('HavocNotificationsLost'),
            },
          },
        ],
      },
      { eval_time: '2m', alertname: 'HavocNotificationsLost', exp_alerts: [] },
    ],
  },
  {
    interval: '1m',
    input_series: [
      { series: `havoc_ticks_total{${INSTALL},pod="a",outcome="missed"}`, values: '0 0 0 1 1 1 1' },
      { series: `havoc_ticks_total{${INSTALL},pod="a",outcome="overlap"}`, values: '0 1 2 3 4 5 6' },
      { series: `havoc_clock_steps_total{${INSTALL},pod="a",direction="back"}`, values: '0 0 1 1 1' },
      { series: `havoc_clock_steps_total{${INSTALL},pod="a",direction="forward"}`, values: '0 0 0 0 0' },
    ],
    alert_rule_test: [
      { eval_time: '2m', alertname: 'HavocTicksMissed', exp_alerts: [] },
      {
        eval_time: '5m',
        alertname: 'HavocTicksMissed',
        exp_alerts: [
          {
            exp_labels: { severity: 'warning', team: 'platform', pod: 'a', outcome: 'missed', ...INSTALL_LABELS },
            exp_annotations: {
              summary: 'kube-havoc missed scheduled ticks',
              description:
                'a missed ticks in the last hour: the process was frozen or blocked when they were due, ' +
                'so chaos ran less often than the schedule says.',
              runbook_url: runbook('HavocTicksMissed'),
            },
          },
        ],
      },
      { eval_time: '1m', alertname: 'HavocClockStepped', exp_alerts: [] },
      {
        eval_time: '4m',
        alertname: 'HavocClockStepped',
        exp_alerts: [
          {
            exp_labels: { severity: 'info', team: 'platform', pod: 'a', direction: 'back', ...INSTALL_LABELS },
            exp_annotations: {
              summary: 'The wall clock of a kube-havoc replica stepped',
              description:
                "a saw its wall clock step back in the last hour; the schedule was armed again. Check the node's time synchronisation.",
              runbook_url: runbook('HavocClockStepped'),
            },
          },
        ],
      },
    ],
  },
  {
    interval: '1m',
    input_series: [
      { series: `havoc_skips_total{${INSTALL},pod="a",reason="state-full",dry_run="false"}`, values: '0 0 0 1 2 3 4' },
      { series: `havoc_skips_total{${INSTALL},pod="a",reason="budget-spent",dry_run="false"}`, values: '0 1 2 3 4 5 6' },
      // Another install's state is full: not this one's alert.
      {
        series: 'havoc_skips_total{job="kube-havoc",namespace="havoc-eu",pod="b",reason="state-full",dry_run="false"}',
        values: '0 1 2 3 4 5 6',
      },
    ],
    alert_rule_test: [
      { eval_time: '2m', alertname: 'HavocStateFull', exp_alerts: [] },
      {
        eval_time: '5m',
        alertname: 'HavocStateFull',
        exp_alerts: [STATE_FULL],
      },
    ],
  },
  {
    interval: '1m',
    // Refused for a while, then the state shrank: quiet an hour after the last refusal.
    input_series: [
      { series: `havoc_skips_total{${INSTALL},pod="a",reason="state-full",dry_run="false"}`, values: '0 1 2 3x200' },
    ],
    alert_rule_test: [
      { eval_time: '30m', alertname: 'HavocStateFull', exp_alerts: [STATE_FULL] },
      { eval_time: '150m', alertname: 'HavocStateFull', exp_alerts: [] },
    ],
  },
  {
    interval: '1m',
    // A missed tick an hour and more ago, and none since: quiet again.
    input_series: [{ series: `havoc_ticks_total{${INSTALL},pod="a",outcome="missed"}`, values: '0 1x200' }],
    alert_rule_test: [{ eval_time: '150m', alertname: 'HavocTicksMissed', exp_alerts: [] }],
  },
];

function promtoolTest(rules: PrometheusRule, tests: unknown[]): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'havoc-rules-'));
  writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups: rules.spec.groups }));
  writeFileSync(path.join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
  const result = spawnSync('promtool', ['test', 'rules', path.join(dir, 'tests.yaml')], { encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw new Error('promtool is needed (scripts/ci/install-prometheus.sh)', { cause: result.error });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const rules = rendered([
  'prometheusRule.enabled=true',
  'prometheusRule.alertLabels.team=platform',
  'prometheusRule.labels.release=prometheus',
]);

test('off by default; on, one PrometheusRule with the eight alerts, labelled for the Prometheus that selects it', (t) => {
  t.is(rendered(), undefined);
  t.truthy(rules);
  t.is(rules?.apiVersion, 'monitoring.coreos.com/v1');
  t.is(rules?.metadata.labels.release, 'prometheus');
  t.deepEqual(
    rules?.spec.groups.flatMap((g) => g.rules.map((r) => r.alert)),
    [
      'HavocAbsent',
      'HavocKillNotRecovered',
      'HavocNoLeader',
      'HavocPausedForADay',
      'HavocNotificationsLost',
      'HavocTicksMissed',
      'HavocClockStepped',
      'HavocStateFull',
    ],
  );
});

test('promtool check rules accepts the rendered rules', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'havoc-rules-'));
  const file = path.join(dir, 'rules.yaml');
  writeFileSync(file, stringify({ groups: rules?.spec.groups }));
  const result = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  t.is(result.status, 0, `${result.stdout}${result.stderr}`);
  t.regex(result.stdout, /SUCCESS: 8 rules found/);
});

test('promtool test rules: each alert fires when it should, with its labels and text, and stays quiet otherwise', (t) => {
  if (rules === undefined) return t.fail('no PrometheusRule rendered');
  const result = promtoolTest(rules, TESTS);
  t.is(result.status, 0, result.output);
  t.regex(result.output, /SUCCESS/);
});

test('the rule tests can fail: an alert expected where it must stay quiet is reported', (t) => {
  if (rules === undefined) return t.fail('no PrometheusRule rendered');
  const wrong = [
    {
      ...TESTS[5],
      alert_rule_test: [
        { eval_time: '20m', alertname: 'HavocNoLeader', exp_alerts: [{ exp_labels: { severity: 'warning', team: 'platform' } }] },
      ],
    },
  ];
  const result = promtoolTest(rules, wrong);
  t.is(result.status, 1, result.output);
  t.regex(result.output, /HavocNoLeader/);
});

test('the windows are values: notRecoveredWindow, noLeaderFor and pausedFor reach the rules', (t) => {
  const custom = rendered([
    'prometheusRule.enabled=true',
    'prometheusRule.notRecoveredWindow=1h',
    'prometheusRule.noLeaderFor=30m',
    'prometheusRule.pausedFor=12h',
  ]);
  const byName = Object.fromEntries((custom?.spec.groups[0]?.rules ?? []).map((r) => [r.alert, r]));
  t.regex(byName.HavocKillNotRecovered?.expr ?? '', /\[1h\]\) > 0$/);
  t.is(byName.HavocNoLeader?.for, '30m');
  t.is(byName.HavocPausedForADay?.for, '12h');
});

test('every alert has a runbook_url whose anchor is a heading of docs/operations.md', (t) => {
  const headings = anchors(readFileSync(path.join(ROOT, 'docs', 'operations.md'), 'utf8'));
  const all = rules?.spec.groups.flatMap((g) => g.rules) ?? [];
  t.is(all.length, 8);
  for (const rule of all) {
    const url = rule.annotations.runbook_url ?? '';
    t.true(url.startsWith(`${RUNBOOKS}#`), `${rule.alert}: ${url}`);
    t.true(headings.has(url.slice(url.indexOf('#') + 1)), `${rule.alert}: no heading for ${url} in docs/operations.md`);
  }
});

test('the job comes from the ServiceMonitor jobLabel, or prometheusRule.job; the absence window is a value', (t) => {
  const expr = (sets: string[]) =>
    Object.fromEntries(
      (rendered(['prometheusRule.enabled=true', ...sets])?.spec.groups[0]?.rules ?? []).map((r) => [r.alert, r]),
    );
  t.is(expr([]).HavocAbsent?.expr, 'absent(up{job="kube-havoc",namespace="havoc"} == 1)');
  t.is(
    expr(['metrics.serviceMonitor.jobLabel=app.kubernetes.io/instance']).HavocAbsent?.expr,
    'absent(up{job="havoc",namespace="havoc"} == 1)',
  );
  t.is(
    expr(['metrics.serviceMonitor.jobLabel=none']).HavocNoLeader?.expr,
    'sum(havoc_leader{job="havoc-kube-havoc",namespace="havoc"}) == 0',
  );
  t.is(expr(['prometheusRule.job=havoc-pods', 'prometheusRule.absentFor=25m']).HavocAbsent?.for, '25m');
  t.is(expr(['prometheusRule.job=havoc-pods']).HavocAbsent?.expr, 'absent(up{job="havoc-pods",namespace="havoc"} == 1)');
});
