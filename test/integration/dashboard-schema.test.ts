// The shipped dashboard against Grafana's own schema: scripts/dashboard-check
// strict-unmarshals it with the foundation SDK's generated types (unknown
// fields, wrong types and missing required fields are errors), and the check
// is shown to fail on a dashboard that breaks each rule.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { ROOT } from '../../scripts/tools/doc-links.ts';

const DASHBOARD = path.join(ROOT, 'dashboards', 'kube-havoc.json');
const CHART_COPY = path.join(ROOT, 'helm', 'kube-havoc', 'dashboards', 'kube-havoc.json');

function build(): string {
  // The first build fetches the SDK from the Go module proxy; later runs use the cached binary.
  const result = spawnSync('bash', [path.join(ROOT, 'scripts', 'dashboard-check', 'build.sh')], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (result.status !== 0) throw new Error(`scripts/dashboard-check/build.sh failed:\n${result.stderr}`);
  return result.stdout.trim();
}

const check = (bin: string, ...files: string[]) => spawnSync(bin, files, { encoding: 'utf8', timeout: 60_000 });

test("the dashboard (and the chart's copy) passes Grafana's strict schema; a dashboard that breaks it does not", (t) => {
  t.timeout(600_000);
  const bin = build();
  t.true(bin.includes(`${path.sep}.cache${path.sep}kube-havoc${path.sep}`) || process.env.XDG_CACHE_HOME !== undefined, bin);
  const shipped = check(bin, DASHBOARD, CHART_COPY);
  t.is(shipped.status, 0, shipped.stderr);
  t.regex(shipped.stdout, /kube-havoc\.json: ok \(\d+ panels\)/);

  const board = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Record<string, unknown>[]; [key: string]: unknown };
  const dir = mkdtempSync(path.join(tmpdir(), 'havoc-dashboard-'));
  const broken = path.join(dir, 'broken.json');
  const [first, second, third] = board.panels;
  const { options: _dropped, ...withoutOptions } = second ?? {};
  writeFileSync(
    broken,
    JSON.stringify({
      ...board,
      refreshh: '1m',
      panels: [
        { ...first, bogus: true },
        { ...withoutOptions, options: { ...(second?.options as object), percentChangeColorMode: 7 } },
        third,
      ],
    }),
  );
  const refused = check(bin, broken);
  t.is(refused.status, 1, refused.stdout);
  t.regex(refused.stderr, /Dashboard: unexpected field 'refreshh'/);
  t.regex(refused.stderr, /panels\[0\]\.Panel: unexpected field 'bogus'/);
  t.regex(refused.stderr, /panels\[1\]\.options\.percentChangeColorMode/);
});
