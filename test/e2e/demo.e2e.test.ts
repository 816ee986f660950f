// `npm run demo -- --duration 60s`, exactly as the README's first command runs
// it (after npm ci): a real control plane, the shop, the daemon LIVE for a
// minute. What a newcomer must see appears, and nothing it started survives.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import test from 'ava';

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function npmRunDemo(args: readonly string[], timeoutMs: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'demo', '--', ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

/** Live, non-zombie processes whose command line names `text`. */
function processesNaming(text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(text) && !/State:\s+Z/.test(readFileSync(`/proc/${entry}/status`, 'utf8')))
        found.push(`${entry}: ${cmdline}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

function stillOurs(pid: number, folder: string): boolean {
  try {
    return (
      !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8')) &&
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(folder)
    );
  } catch {
    return false; // no such process
  }
}

test('the demo kills, is blocked by a PDB, sees a recovery, and leaves nothing running', async (t) => {
  const started = Date.now();
  const { code, stdout, stderr } = await npmRunDemo(['--duration', '60s'], 8 * 60_000);
  t.log(`npm run demo -- --duration 60s took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  t.is(code, 0, `${stdout.slice(-3000)}\n${stderr.slice(-2000)}`);

  // The plan at the start: the opted-in shop, the bad label named with its value.
  t.regex(stdout, /kube-havoc plan at .*\n[\s\S]*Eligible workloads:[\s\S]*shop\/Deployment\/frontend/);
  t.regex(stdout, /Skipped for bad labels:\n\s+shop\/Deployment\/search: havoc\/mtbf="banana"/);
  const plan = stdout.slice(stdout.indexOf('kube-havoc plan at'), stdout.indexOf('== 4.'));
  t.false(plan.includes('payments'), plan);
  // Live: a kill with its reason, a PDB block, a recovery verdict, Slack messages, the metrics URL.
  t.regex(stdout, /KILLED\s+evicted shop\/(frontend|cart|catalog)-\S+ \(Deployment\/\1\)\n\s+why: opted in/);
  t.regex(stdout, /BLOCKED\s+shop\/checkout-\S+ \(Deployment\/checkout\): .*disruption budget/i);
  t.regex(stdout, /RECOVERED\s+shop\/Deployment\/(frontend|cart|catalog) back at steady state after \d+\.\d s/);
  t.regex(stdout, /SKIPPED\s+shop\/Deployment\/inventory: not-steady \(3\/4 replicas ready\)/);
  t.regex(stdout, /SLACK\s+:boom: Evicted/);
  t.regex(stdout, /SLACK\s+.*Recovered/);
  t.regex(stdout, /metrics: http:\/\/127\.0\.0\.1:\d+\/metrics/);
  t.regex(stdout, /havoc_kills_total\{[^}]*result="blocked"/);
  t.notRegex(
    stdout,
    /(KILLED|BLOCKED)\s+\S*shop\/(payments|search)-/,
    'neither the unlabelled nor the badly labelled workload is touched',
  );
  // The status at the end, read back from the cluster.
  t.regex(stdout, /Chaos is active\.\n[\s\S]*Recent kills:\n[\s\S]*pod-evict\s+killed/);

  // Nothing left behind: the demo's folder is gone and no process names it; every PID it reported is gone.
  const folder = /temporary folder: (\S+)/.exec(stdout)?.[1];
  t.truthy(folder, 'the demo names its temporary folder');
  t.false(existsSync(folder ?? '/'), `${folder ?? ''} was removed`);
  t.deepEqual(processesNaming(folder ?? '<none>'), []);
  const pids = [...(/started by the demo[^:]*: (.+)/.exec(stdout)?.[1] ?? '').matchAll(/(\S+) (\d+)/g)].map((m) => ({
    name: m[1],
    pid: Number(m[2]),
  }));
  t.deepEqual(
    pids.map((p) => p.name),
    ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'kube-havoc'],
  );
  // A recycled PID would be some other program: only ours, still naming the folder, counts.
  for (const { name, pid } of pids) t.false(stillOurs(pid, folder ?? '<none>'), `${name} (${pid}) still runs`);
  t.regex(stdout, /cleaned up: every process the demo started has stopped/);
});
