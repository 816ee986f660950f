// The release's SBOM: the tag workflow runs scripts/image/sbom.sh, which
// installs the image's dependency set (the Dockerfile's deps stage) and runs
// `npm sbom` over it. The same script here must list exactly those packages:
// every runtime one, none that is dev-only or optional.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { parse as parseYaml } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

test('the tag workflow makes a CycloneDX SBOM with scripts/image/sbom.sh, and keeps it', (t) => {
  const workflow = parseYaml(read('.github/workflows/release.yml')) as {
    jobs: { publish: { steps: { name?: string; run?: string; uses?: string; with?: { path?: string } }[] } };
  };
  const steps = workflow.jobs.publish.steps;
  const sbom = steps.findIndex((s) => s.run === 'bash scripts/image/sbom.sh "kube-havoc-$VERSION.cdx.json"');
  t.true(sbom >= 0, 'an SBOM step');
  t.regex(steps[sbom + 1]?.uses ?? '', /^actions\/upload-artifact@/);
  t.is(steps[sbom + 1]?.with?.path, 'kube-havoc-${{ steps.version.outputs.version }}.cdx.json');
  t.regex(read('Dockerfile'), /RUN npm ci --omit=dev --omit=optional /);
  t.regex(read('scripts/image/sbom.sh'), /npm ci --omit=dev --omit=optional /, 'the same dependency set as the image');
});

test('the SBOM lists exactly the runtime dependencies the image installs, each at its locked version', (t) => {
  t.timeout(300_000);
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'havoc-sbom-')), 'sbom.cdx.json');
  const result = spawnSync('bash', [path.join(ROOT, 'scripts', 'image', 'sbom.sh'), out, '--offline'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  t.is(result.status, 0, result.stderr);
  const bom = JSON.parse(readFileSync(out, 'utf8')) as {
    bomFormat: string;
    metadata: { component: { name: string } };
    components: { name: string; version: string }[];
  };
  t.is(bom.bomFormat, 'CycloneDX');
  t.is(bom.metadata.component.name, 'kube-havoc');
  const pkg = JSON.parse(read('package.json')) as {
    dependencies: Record<string, string>;
    optionalDependencies: Record<string, string>;
  };
  const names = new Set(bom.components.map((c) => c.name));
  for (const dependency of Object.keys(pkg.dependencies)) t.true(names.has(dependency), `${dependency} is listed`);
  for (const dependency of ['ava', 'typescript', 'oxlint', ...Object.keys(pkg.optionalDependencies)])
    t.false(names.has(dependency), `${dependency} is not in the image`);
  // Exactly what npm ci --omit=dev --omit=optional installs: the lockfile's entries flagged neither dev nor optional,
  // including those a dev dependency shares (debug) or an optional one shares (atomic-sleep).
  const lock = JSON.parse(read('package-lock.json')) as {
    packages: Record<string, { version: string; dev?: boolean; optional?: boolean }>;
  };
  const runtime = Object.entries(lock.packages)
    .filter(([key, entry]) => key !== '' && entry.dev !== true && entry.optional !== true)
    .map(([key, entry]) => `${key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${entry.version}`);
  t.deepEqual([...new Set(bom.components.map((c) => `${c.name}@${c.version}`))].sort(), [...new Set(runtime)].sort());
  t.true(names.has('debug') && names.has('atomic-sleep'));
});
