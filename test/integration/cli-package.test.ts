// The CLI without a checkout: `npm pack` gives a tarball that installs into a
// clean prefix with npm alone and no registry (--offline: the dependencies are
// bundled), whose `kube-havoc` and `kubectl-havoc` bins run on a PATH that
// holds only that prefix, the project's Node and the system's basics; and
// the shell completion it prints completes the commands and each one's flags.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { KUBECTL } from '../e2e/harness/cluster.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const NODE_DIR = path.dirname(process.execPath);
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

function sh(command: string, args: readonly string[], options: SpawnSyncOptions = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 300_000, ...options });
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
}

test('npm pack → npm install -g into a clean prefix, offline → kube-havoc and `kubectl havoc` run', (t) => {
  t.timeout(600_000);
  t.is(pkg.scripts.prepack, 'npm run build', 'a tarball packed from a checkout carries a fresh dist/');
  t.deepEqual(pkg.bin, { 'kube-havoc': 'dist/main.js', 'kubectl-havoc': 'dist/main.js' });
  t.regex(readFileSync(path.join(ROOT, 'dist', 'main.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/);

  const work = mkdtempSync(path.join(tmpdir(), 'havoc-pack-'));
  // --ignore-scripts: `npm test` built dist/ already, and rebuilding it here would race the other test files that run it.
  const packed = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT });
  t.is(packed.status, 0, packed.stderr);
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[]; bundled: string[] }[];
  const files = info?.files.map((f) => f.path) ?? [];
  const own = files.filter((f) => !f.startsWith('node_modules/'));
  t.true(files.includes('dist/main.js') && files.includes('package.json') && files.includes('LICENSE'));
  t.false(
    own.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.map') || f.startsWith('helm/')),
    'only what runs',
  );
  t.true(info?.bundled.includes('@kubernetes/client-node'), 'dependencies travel in the tarball');
  t.false(info?.bundled.includes('ava'), 'no dev dependency');

  // A machine with only Node: its bin dir, then the system's basics (env, sh); HOME and npm's cache are new.
  const prefix = path.join(work, 'prefix');
  const PATH = [path.join(prefix, 'bin'), NODE_DIR, '/usr/bin', '/bin'].join(path.delimiter);
  const env = { PATH, HOME: work, npm_config_cache: path.join(work, 'npm-cache') };
  const install = sh(
    'npm',
    ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', path.join(work, info?.filename ?? '')],
    { env },
  );
  t.is(install.status, 0, `${install.stdout}${install.stderr}`);
  t.deepEqual(readdirSync(path.join(prefix, 'bin')).sort(), ['kube-havoc', 'kubectl-havoc']);

  const version = sh('kube-havoc', ['--version'], { env });
  t.is(version.stdout, `kube-havoc ${pkg.version}\n`, version.stderr);
  const help = sh('kube-havoc', ['pause', '--help'], { env });
  t.is(help.status, 0, help.stderr);
  t.regex(help.stdout, /^Usage: kube-havoc pause -n NAMESPACE --reason TEXT/);
  // kubectl finds kubectl-havoc on PATH: `kubectl havoc ...` is the CLI.
  const plugin = sh(KUBECTL, ['havoc', '--version'], { env });
  t.is(plugin.stdout, `kube-havoc ${pkg.version}\n`, plugin.stderr);
  const listed = sh(KUBECTL, ['plugin', 'list'], { env });
  t.regex(listed.stdout, /kubectl-havoc/);
});

/** What bash completes after typing `words` (the last one being completed). */
function bashCompletes(...words: string[]): string[] {
  const script = [
    `source <("${process.execPath}" "${path.join(ROOT, 'dist', 'main.js')}" completion bash)`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}`,
    '_kube_havoc; printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const result = sh('bash', ['-c', script]);
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout.split('\n').filter((l) => l !== '');
}

test('bash completion: commands, then each command’s own flags', (t) => {
  t.deepEqual(bashCompletes('kube-havoc', 'pa'), ['pause']);
  t.deepEqual(bashCompletes('kube-havoc', 're'), ['resume']);
  const status = bashCompletes('kube-havoc', 'status', '--');
  t.true(status.includes('--output') && status.includes('--namespace') && status.includes('--version'), status.join(' '));
  t.false(status.includes('--reason'), 'status takes no --reason');
  t.deepEqual(bashCompletes('kube-havoc', 'pause', '--r'), ['--reason']);
  t.deepEqual(bashCompletes('kubectl-havoc', 'completion', 'z'), ['zsh']);
});

test('zsh completion: the script loads under compinit and defines the completer for both names', (t) => {
  const dist = path.join(ROOT, 'dist', 'main.js');
  const script = [
    'autoload -U compinit && compinit -u -D',
    `source <("${process.execPath}" "${dist}" completion zsh)`,
    'whence -w _kube_havoc',
    'print -r -- ${_comps[kube-havoc]} ${_comps[kubectl-havoc]}',
  ].join('\n');
  const result = sh('zsh', ['-f', '-c', script], {
    env: { PATH: process.env.PATH ?? '', HOME: mkdtempSync(path.join(tmpdir(), 'zsh-')) },
  });
  t.is(result.status, 0, result.stderr);
  t.regex(result.stdout, /_kube_havoc: function/);
  t.regex(result.stdout, /_kube_havoc _kube_havoc/);
  const text = sh(process.execPath, [dist, 'completion', 'zsh']).stdout;
  t.regex(text, /status\) opts=\([^)]*--output[^)]*\)/);
  t.notRegex(text, /status\) opts=\([^)]*--reason/);
});
