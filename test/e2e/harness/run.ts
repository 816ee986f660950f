// Runs a program to completion and collects its output (node built-ins only).
import { spawn } from 'node:child_process';

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Called with each complete stderr line as it arrives. */
  onStderrLine?: (line: string) => void;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Resolves with stdout/stderr on exit code 0; rejects with an Error naming the command and carrying its stderr otherwise. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs,
      killSignal: 'SIGTERM',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let partial = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      if (!opts.onStderrLine) return;
      const lines = (partial + b.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) opts.onStderrLine(line);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (partial && opts.onStderrLine) opts.onStderrLine(partial);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) return resolve({ stdout, stderr });
      const why = signal ? `signal ${signal}` : `exit ${code}`;
      const e = new Error(`${cmd} ${args.join(' ')} failed (${why}): ${stderr.trim() || stdout.trim()}`);
      reject(Object.assign(e, { stdout, stderr, code }));
    });
    child.stdin.on('error', () => {}); // child may exit before reading input
    child.stdin.end(opts.input ?? '');
  });
}
