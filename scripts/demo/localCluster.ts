// The demo's throwaway cluster: the e2e suite's control plane (scripts/e2e),
// started inside the demo's own temporary folder so that stopping it and
// deleting that folder leaves nothing behind.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../test/e2e/harness/run.ts';

const SCRIPTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'e2e');
// Measured on a 2-core machine: 410 s cold, 593 s while other work ran
// (scripts/e2e/README.md), about 24 minutes while five sessions' builds and
// test suites shared the cores; a warm cache answers in milliseconds.
const BUILD_ESTIMATE =
  'about 7 minutes on 2 idle cores (measured 410 s), 10 to 25 minutes on a busy machine, and about 5 GB of Go caches';

export interface LocalCluster {
  readonly kubeconfig: string;
  readonly dir: string;
  /** The PIDs cluster.sh started (etcd, kube-apiserver, ...), by component. */
  pids(): readonly { readonly name: string; readonly pid: number }[];
  stop(): Promise<void>;
}

type Say = (line: string) => void;

function elapsed(since: number): string {
  const s = Math.round((Date.now() - since) / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** The control-plane binaries: from the cache, or built once with progress and a heartbeat. */
export async function provisionBinaries(say: Say): Promise<string> {
  const provision = path.join(SCRIPTS, 'provision.sh');
  const cached = spawnSync('bash', [provision, '--print-bin-dir'], { encoding: 'utf8' });
  if (cached.status === 0) return cached.stdout.trim().split('\n').pop() ?? '';
  const ready = process.env.HAVOC_E2E_BIN ?? process.env.KUBEBUILDER_ASSETS;
  if (ready !== undefined) {
    say(`Using the control-plane binaries in ${ready} (kwok is built if it is not there, about 2 minutes).`);
  } else {
    say(
      'The control plane (kube-apiserver, controller-manager, scheduler, etcd, kwok) is built from source with Go on first use:',
    );
    say(`${BUILD_ESTIMATE}. It is cached under ~/.cache/kube-havoc/e2e; later runs start in seconds.`);
  }
  const started = Date.now();
  const heartbeat = setInterval(
    () => say(`still building (${elapsed(started)} so far, ${BUILD_ESTIMATE.split(',')[0]} in total)`),
    30_000,
  );
  try {
    const { stdout } = await run('bash', [provision], {
      timeoutMs: 60 * 60_000,
      onStderrLine: (line) => {
        if (line.trim() !== '') say(`[${elapsed(started)}] ${line}`);
      },
    });
    say(`control plane ready in ${elapsed(started)}`);
    return stdout.trim().split('\n').pop() ?? '';
  } finally {
    clearInterval(heartbeat);
  }
}

export async function startLocalCluster(options: {
  readonly binDir: string;
  readonly dir: string;
  readonly nodes: number;
  readonly say: Say;
}): Promise<LocalCluster> {
  const cluster = path.join(SCRIPTS, 'cluster.sh');
  // In a session of its own: a Ctrl-C in the terminal reaches the whole foreground process group, and
  // kube-apiserver and etcd listen for SIGINT. The demo stops them itself, after reading the status.
  const up = () =>
    run('setsid', ['bash', cluster, 'up', '--bin-dir', options.binDir, '--dir', options.dir, '--nodes', String(options.nodes)], {
      timeoutMs: 3 * 60_000,
      onStderrLine: (line) => {
        if (/ready|cluster up/.test(line)) options.say(line.replace(/; stop with: .*/, ''));
      },
    });
  // A port checked free can still be taken before a component binds it; new ports, new try.
  let stdout = '';
  for (let attempt = 1; stdout === ''; attempt++) {
    try {
      stdout = (await up()).stdout;
    } catch (error) {
      if (attempt >= 3 || !/address already in use/.test((error as Error).message)) throw error;
    }
  }
  let stopped: Promise<void> | undefined;
  return {
    kubeconfig: stdout.trim().split('\n').pop() ?? '',
    dir: options.dir,
    pids: () =>
      readFileSync(path.join(options.dir, 'pids'), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => {
          const [name = '', pid = '0'] = l.trim().split(/\s+/);
          return { name, pid: Number(pid) };
        }),
    stop() {
      stopped ??= run('bash', [cluster, 'down', '--purge', options.dir], { timeoutMs: 90_000 }).then(() => undefined);
      return stopped;
    },
  };
}
