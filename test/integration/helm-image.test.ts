// The container image the chart runs: the Dockerfile linted (dockerfile-utils)
// and checked against what the project really runs: the same Node version as
// the tests, the same install, build and start commands, and the config path
// the chart mounts. npm run test:image builds and runs it for real.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR, runHelm } from '../../scripts/tools/helm.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const dockerfile = read('Dockerfile');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; bin: Record<string, string> };
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version: string }> };

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Instructions of the Dockerfile by stage (continuation lines joined, comments dropped). */
function stages(text: string): Stage[] {
  const out: Stage[] = [];
  for (const line of logicalLines(text)) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const [from = '', , name] = args.split(/\s+/);
      out.push({ from, name, instructions: [] });
    } else {
      out.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return out;
}

function logicalLines(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

const parsed = stages(dockerfile);
const final = parsed.at(-1) as Stage;
const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
const json = (stage: Stage, keyword: string) =>
  JSON.parse(stage.instructions.find((i) => i.keyword === keyword)?.args ?? 'null') as string[] | null;

test('dockerfile-utils finds no problem, with every check at error level', (t) => {
  const all = Object.fromEntries(
    [
      'deprecatedMaintainer',
      'directiveCasing',
      'emptyContinuationLine',
      'instructionCasing',
      'instructionCmdMultiple',
      'instructionEntrypointMultiple',
      'instructionHealthcheckMultiple',
      'instructionJSONInSingleQuotes',
      'instructionWorkdirRelative',
    ].map((k) => [k, ValidationSeverity.ERROR]),
  );
  t.deepEqual(
    validate(dockerfile, all).map((d) => `${d.range.start.line + 1}: ${d.message}`),
    [],
  );
  t.true(validate('FROM node:24\nworkdir app\nCMD ["a"]\nCMD ["b"]\n', all).length >= 2, 'the linter reports problems');
});

test('every stage but the last is the base BASE_IMAGE, by default the pinned Node 24 image the tests run on (the "node" devDependency)', (t) => {
  const node = lock.packages['node_modules/node']?.version ?? '';
  t.regex(node, /^24\.\d+\.\d+$/);
  t.true(parsed.length >= 2, 'multi-stage');
  const args = logicalLines(dockerfile).filter((l) => /^ARG\s/i.test(l));
  t.deepEqual(
    args.map((a) => a.split(/\s+/)[1]?.split('=')[0]),
    ['BASE_IMAGE', 'REVISION'],
    'the base, declared before the first FROM, and the revision (havoc_build_info), in the final stage',
  );
  t.true(dockerfile.indexOf('ARG BASE_IMAGE') < dockerfile.indexOf('FROM '));
  t.regex(args[0] ?? '', new RegExp(`^ARG BASE_IMAGE=node:${node.replace(/\./g, '\\.')}-[a-z]+-slim$`));
  t.is(args[1], 'ARG REVISION=unknown');
  t.true(final.instructions.some((i) => i.keyword === 'ARG' && i.args === 'REVISION=unknown'));
  for (const stage of parsed.slice(0, -1)) t.is(stage.from, '${BASE_IMAGE}');
  t.is(final.from, 'scratch', 'the final stage is only the files the daemon runs');
});

test("the build stage installs from the lockfile and builds with the project's own scripts", (t) => {
  const build = parsed[0] as Stage;
  t.deepEqual(runs(build), ['npm ci', 'npm run build && chmod 0755 dist/main.js']);
  t.regex(pkg.scripts.build ?? '', /^tsc -p tsconfig\.build\.json$/);
  const tsconfig = JSON.parse(read('tsconfig.build.json')) as {
    compilerOptions: { rootDir: string; outDir: string; noEmit?: boolean };
  };
  t.like(tsconfig.compilerOptions, { rootDir: 'src', outDir: 'dist', noEmit: false });
  const copied = build.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
  t.deepEqual(copied, ['package.json package-lock.json ./', 'tsconfig.json tsconfig.build.json ./', 'src ./src']);
});

test('the final stage holds runtime dependencies only, no shell, no package manager, and runs as a numeric non-root user', (t) => {
  const deps = parsed.find((s) => s.name === 'deps');
  t.deepEqual(deps && runs(deps), [
    "npm ci --omit=dev --omit=optional && find node_modules -type f \\( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \\) -delete",
  ]);
  const rootfs = parsed.find((s) => s.name === 'rootfs') as Stage;
  t.deepEqual(
    rootfs.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args),
    [
      'package.json /rootfs/app/',
      '--from=deps /app/node_modules /rootfs/app/node_modules',
      '--from=build /app/dist /rootfs/app/dist',
    ],
  );
  // Only node, env and the libraries ldd names; not the base's /bin/sh, apt, dpkg or npm.
  t.regex(runs(rootfs)[0] ?? '', /^for binary in \/usr\/local\/bin\/node \/usr\/bin\/env; do cp --parents/);
  t.deepEqual(runs(final), [], 'nothing runs in the final stage: there is no shell to run it');
  const copies = final.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
  t.deepEqual(copies, ['--from=rootfs /rootfs /']);
  t.regex(JSON.stringify(pkg), /"optionalDependencies":\{"pino-pretty"/);
  const user = final.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args);
  t.deepEqual(user, ['1000:1000']);
  t.false(/apt-get|apk |build-essential|python|make|gcc/.test(dockerfile.replace(/^#.*$/gm, '')), 'no build tools are installed');
});

test('the image starts `node dist/main.js run --config <the path the chart mounts>`, as npm start and the package bin do', (t) => {
  const command = [...(json(final, 'ENTRYPOINT') ?? []), ...(json(final, 'CMD') ?? [])];
  t.deepEqual(command.slice(0, 2), ['node', 'dist/main.js']);
  t.is(pkg.scripts.start, 'node dist/main.js');
  t.is(pkg.bin['kube-havoc'], 'dist/main.js');
  t.true(existsSync(path.join(ROOT, 'src', 'main.ts')), 'src/main.ts is what tsconfig.build.json emits as dist/main.js');

  const rendered = runHelm(['template', 'havoc', CHART_DIR, '--namespace', 'havoc', '--show-only', 'templates/deployment.yaml']);
  t.is(rendered.status, 0, rendered.stderr);
  const deployment = parseAllDocuments(rendered.stdout)[0]?.toJS() as {
    spec: { template: { spec: { containers: { args: string[]; volumeMounts: { mountPath: string }[] }[] } } };
  };
  const container = deployment.spec.template.spec.containers[0];
  t.deepEqual(command.slice(2), container?.args, 'the chart passes the same arguments as the image default');
  t.deepEqual(command.slice(2), ['run', '--config', '/etc/kube-havoc/config.yaml']);
  t.true(container?.volumeMounts.some((m) => '/etc/kube-havoc/config.yaml'.startsWith(`${m.mountPath}/`)));
  t.true(
    final.instructions.some((i) => i.keyword === 'EXPOSE' && i.args === '8080 8081'),
    'server.port and server.healthPort',
  );
});

test('.dockerignore lets in only what the Dockerfile copies: never node_modules or dist from the host', (t) => {
  const lines = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  t.is(lines[0], '*', 'an allowlist');
  const allowed = lines.slice(1).map((l) => l.replace(/^!/, '').replace(/\/$/, ''));
  const fromContext = parsed
    .flatMap((s) => s.instructions)
    .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  t.deepEqual([...new Set(fromContext)].sort(), allowed.sort());
  t.false(allowed.some((a) => a === 'node_modules' || a === 'dist'));
});
