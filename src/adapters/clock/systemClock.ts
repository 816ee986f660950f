// The real time, behind the domain's Clock port. Only the composition root
// (and the end-to-end tests, which run against real processes) use it; unit
// tests pass a fake clock.

import type { Clock } from '../../domain/ports.ts';

export const systemClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
  // Resolves early (never rejects) when the signal aborts: a sleeping loop wakes up to see it should stop.
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};
