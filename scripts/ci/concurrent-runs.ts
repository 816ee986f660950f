// The unit and integration suite, run again and again at a concurrency far
// above the cores (16 at once on the 2 of a CI runner): a test that leans on
// timing (a real short timeout, a race with the wall clock) fails here long
// before it fails for a user. Runs stop at the first failure, whose failing
// tests are printed.
//
//   node scripts/ci/concurrent-runs.ts [--runs 5] [--concurrency 16]
//
// Each run's summary is its own line ("concurrent run 2/5: 518 of 518
// passed"), not ava's "N tests passed", so CI's total counts each test once;
// a failure is also said as ava says it ("N tests failed"), so CI counts it.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { wholeNumberFlag } from '../tools/wholeNumberFlag.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// ava's command, as its package names it.
const AVA_DIR = path.join(ROOT, 'node_modules', 'ava');
const AVA = path.join(
  AVA_DIR,
  (JSON.parse(readFileSync(path.join(AVA_DIR, 'package.json'), 'utf8')) as { bin: { ava: string } }).bin.ava,
);

export interface TapSummary {
  readonly tests: number;
  readonly passed: number;
  readonly failed: number;
  /** The `not ok` lines with their YAML blocks: what to show when a run fails. */
  readonly failures: string;
}

/** Reads the closing counts and the failures out of ava's TAP output. */
export function summariseTap(tap: string): TapSummary {
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  const failures: string[] = [];
  let inFailure = false;
  for (const line of tap.split('\n')) {
    if (/^(not )?ok \d+/.test(line)) inFailure = line.startsWith('not ok');
    else if (!line.startsWith('  ') && line !== '') inFailure = false;
    if (inFailure) failures.push(line);
  }
  return { tests: count('tests'), passed: count('pass'), failed: count('fail'), failures: failures.join('\n') };
}

function runAva(concurrency: number): Promise<{ code: number | null; tap: string }> {
  return new Promise((resolve, reject) => {
    // With this very Node (the pinned one), whatever `node` comes first on PATH.
    const child = spawn(process.execPath, [AVA, '--concurrency', String(concurrency), '--tap'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tap = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (tap += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (tap += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, tap }));
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '16' } },
  });
  const runs = wholeNumberFlag('runs', values.runs, 1);
  const concurrency = wholeNumberFlag('concurrency', values.concurrency, 1);
  console.log(
    `${runs} runs of the unit and integration suite, ${concurrency} test files at once on ${availableParallelism()} cores`,
  );
  for (let run = 1; run <= runs; run++) {
    const started = Date.now();
    const { code, tap } = await runAva(concurrency);
    const summary = summariseTap(tap);
    const seconds = Math.round((Date.now() - started) / 1000);
    if (code !== 0 || summary.failed > 0 || summary.tests === 0) {
      console.log(summary.failures || tap);
      console.log(`  ${Math.max(summary.failed, 1)} tests failed (concurrent run ${run}/${runs}, exit code ${code})`);
      return 1;
    }
    console.log(`concurrent run ${run}/${runs}: ${summary.passed} of ${summary.tests} passed in ${seconds} s`);
  }
  return 0;
}

if (import.meta.main) {
  main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(`concurrent-runs: ${(error as Error).message}`);
      process.exitCode = 2;
    },
  );
}
