// What a release is made of agrees with itself: one version in package.json,
// the chart (version and appVersion), the CHANGELOG, the Artifact Hub image and
// `kube-havoc --version`; the LICENSE that package.json names; a release
// workflow that actionlint accepts and that publishes the image the chart
// defaults to, multi-arch, with the chart versioned from the tag.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { parse as parseYaml } from 'yaml';
import { CHART_DIR } from '../../scripts/tools/helm.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { version: string; license: string };
const chart = parseYaml(readFileSync(path.join(CHART_DIR, 'Chart.yaml'), 'utf8')) as {
  version: string;
  appVersion: string;
  home: string;
  sources: string[];
  icon: string;
  maintainers: { name: string }[];
  annotations: Record<string, string>;
};
const values = parseYaml(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as {
  image: { registry: string; repository: string };
};
const defaultImage = `${values.image.registry}/${values.image.repository}`;
const WORKFLOW = '.github/workflows/release.yml';

test('one version: package.json, Chart.yaml version and appVersion, the newest CHANGELOG release, the Artifact Hub image', (t) => {
  t.regex(pkg.version, /^\d+\.\d+\.\d+$/);
  t.is(chart.version, pkg.version);
  t.is(chart.appVersion, pkg.version);
  const released = [...read('CHANGELOG.md').matchAll(/^## \[(\d+\.\d+\.\d+[^\]]*)\]/gm)].map((m) => m[1]);
  t.is(released[0], pkg.version);
  const images = parseYaml(chart.annotations['artifacthub.io/images'] ?? '') as { image: string }[];
  t.deepEqual(
    images.map((i) => i.image),
    [`${defaultImage}:${pkg.version}`],
  );
});

test('kube-havoc --version prints the package version (the built CLI)', (t) => {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'main.js'), '--version'], { encoding: 'utf8' });
  t.is(result.status, 0, result.stderr);
  t.is(result.stdout, `kube-havoc ${pkg.version}\n`);
});

test('LICENSE is the full Apache License 2.0 that package.json names', (t) => {
  const license = read('LICENSE');
  t.is(pkg.license, 'Apache-2.0');
  t.regex(license, /Apache License\s+Version 2\.0, January 2004/);
  for (let section = 1; section <= 9; section++) t.regex(license, new RegExp(`\\n\\s+${section}\\. [A-Z]`), `section ${section}`);
  t.regex(license, /END OF TERMS AND CONDITIONS/);
});

test('Chart.yaml carries home, sources, icon, maintainers and Artifact Hub annotations that parse', (t) => {
  t.regex(chart.home, /^https:\/\//);
  t.true(chart.sources.length > 0 && chart.sources.every((s) => s.startsWith('https://')));
  t.regex(chart.icon, /^https:\/\/.*\.svg$/);
  t.true(chart.maintainers.length > 0);
  t.is(chart.annotations['artifacthub.io/license'], pkg.license);
  for (const key of ['artifacthub.io/links', 'artifacthub.io/changes']) {
    const parsed = parseYaml(chart.annotations[key] ?? '') as unknown;
    t.true(Array.isArray(parsed) && parsed.length > 0, key);
  }
  t.regex(readFileSync(path.join(CHART_DIR, 'README.md'), 'utf8'), /## Upgrading/);
});

test("the release workflow: on vX.Y.Z tags, the chart's default image multi-arch, chart version and appVersion from the tag", (t) => {
  const workflow = parseYaml(read(WORKFLOW)) as {
    on: { push: { tags: string[] } };
    env: Record<string, string>;
    jobs: Record<string, { needs?: string; steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] }>;
  };
  t.true(workflow.on.push.tags.includes('v[0-9]+.[0-9]+.[0-9]+'));
  t.is(workflow.env.IMAGE, defaultImage);
  const publish = workflow.jobs.publish;
  t.is(publish?.needs, 'test');
  const build = publish?.steps.find((s) => s.uses?.startsWith('docker/build-push-action@'));
  t.is(build?.with?.platforms, 'linux/amd64,linux/arm64');
  t.true(build?.with?.push);
  const runs = publish?.steps.map((s) => s.run ?? '').join('\n') ?? '';
  t.regex(runs, /version="\$\{GITHUB_REF_NAME#v\}"/);
  t.regex(runs, /helm package helm\/kube-havoc --version "\$VERSION" --app-version "\$VERSION"/);
  t.regex(runs, /helm push "chart-dist\/kube-havoc-\$VERSION\.tgz" "\$CHARTS"/);
  t.regex(
    runs,
    /npm version --no-git-tag-version --allow-same-version "\$VERSION"/,
    'kube-havoc --version in the image is the tag',
  );
});

test('the release workflow signs keyless what it pushes: the image by digest, the SBOM attested to it, the chart by digest', (t) => {
  const workflow = parseYaml(read(WORKFLOW)) as {
    jobs: Record<
      string,
      {
        permissions?: Record<string, string>;
        steps: { id?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> }[];
      }
    >;
  };
  const publish = workflow.jobs.publish;
  t.is(publish?.permissions?.['id-token'], 'write', 'the OIDC token keyless signing needs');
  const steps = publish?.steps ?? [];
  const at = (match: (s: (typeof steps)[number]) => boolean) => steps.findIndex(match);
  const installer = at((s) => s.uses?.startsWith('sigstore/cosign-installer@') === true);
  const pinned = /^VERSION=\$\{HAVOC_COSIGN_VERSION:-(v[0-9.]+)\}$/m.exec(read('scripts/image/cosign.sh'))?.[1];
  t.is(steps[installer]?.with?.['cosign-release'], pinned, 'the cosign the image test signs with');
  const image = at((s) => s.id === 'image');
  const signImage = at((s) => /^cosign sign --yes "\$REF"$/m.test(s.run ?? ''));
  t.is(steps[signImage]?.env?.REF, '${{ env.IMAGE }}@${{ steps.image.outputs.digest }}', 'signed by digest, not by tag');
  t.regex(
    steps[signImage]?.run ?? '',
    /^cosign attest --yes --type cyclonedx --predicate "kube-havoc-\$VERSION\.cdx\.json" "\$REF"$/m,
  );
  const sbom = at((s) => (s.run ?? '').startsWith('bash scripts/image/sbom.sh'));
  const chart = at((s) => s.id === 'chart');
  const signChart = at((s) => s.run === 'cosign sign --yes "${CHARTS#oci://}/kube-havoc@$CHART_DIGEST"');
  t.is(steps[signChart]?.env?.CHART_DIGEST, '${{ steps.chart.outputs.digest }}');
  t.regex(steps[chart]?.run ?? '', /helm push .* 2>&1 \| tee helm-push\.log\n.*sed -n 's\/\^Digest: /);
  t.true(installer >= 0 && sbom >= 0 && image >= 0 && chart >= 0);
  t.true(
    installer < signImage && sbom < signImage && image < signImage && chart < signChart,
    'each signs what was made before it',
  );
});

test('actionlint finds no problem in the workflows, and does find one in a broken workflow', (t) => {
  const install = spawnSync('bash', [path.join(ROOT, 'scripts', 'ci', 'install-actionlint.sh')], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  t.is(install.status, 0, install.stderr);
  const actionlint = install.stdout.trim();
  const result = spawnSync(actionlint, ['-no-color', WORKFLOW], { cwd: ROOT, encoding: 'utf8' });
  t.is(result.status, 0, result.stdout + result.stderr);
  const broken =
    'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo "${{ steps.nope.outputs.x }}"\n';
  const bad = spawnSync(actionlint, ['-no-color', '-'], { cwd: ROOT, encoding: 'utf8', input: broken });
  t.is(bad.status, 1, bad.stdout + bad.stderr);
  t.regex(bad.stdout, /steps\.nope/);
});
