// Polls until a check passes or a deadline runs out.

export interface WaitForOptions {
  /** Total time to wait (default 30 s). */
  timeoutMs?: number;
  /** Pause between attempts (default 250 ms). */
  intervalMs?: number;
  /** Shown in the timeout error, e.g. "3 ready pods". */
  what?: string;
}

/**
 * Calls `fn` until it returns a value other than `undefined`, `null` or `false`
 * and resolves with that value. A throwing `fn` counts as "not yet"; its last
 * error is quoted in the timeout error.
 */
export async function waitFor<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  opts: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value;
      last = '';
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() + intervalMs > deadline) {
      const detail = last ? ` (last error: ${last})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
