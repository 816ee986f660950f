// Slack's rate limit: a 429 carries Retry-After (seconds, or an HTTP date).
// @slack/webhook treats every 4xx as final and does not expose the header, so
// the fetch it is given waits as told and asks again, a bounded number of
// times and never longer than a bound: a long wait would hold the message
// queue, and asking earlier than told only earns another 429. Past the bound
// the 429 is the answer, and the notifier reports the message as failed.

export interface RetryAfterOptions {
  readonly fetch: typeof globalThis.fetch;
  /** 429s answered with a retry; the retry policy's retries. */
  readonly retries: number;
  /** Longest Retry-After honoured; a longer one ends the attempt. */
  readonly maxWaitMs: number;
  /** Each retried request's own timeout (the first one carries the caller's). */
  readonly timeoutMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

/** Milliseconds the answer asks to wait, or undefined when it does not say (or says nonsense). */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function retryAfterFetch(options: RetryAfterOptions): typeof globalThis.fetch {
  return async (input, init) => {
    let response = await options.fetch(input, init);
    for (let retry = 1; response.status === 429 && retry <= options.retries; retry += 1) {
      const wait = retryAfterMs(response.headers.get('retry-after'), options.now());
      if (wait === undefined || wait > options.maxWaitMs) return response;
      await response.body?.cancel();
      await options.sleep(wait);
      response = await options.fetch(input, { ...init, signal: AbortSignal.timeout(options.timeoutMs) });
    }
    return response;
  };
}
