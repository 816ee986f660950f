// Whether the API server answers, told by the traffic the daemon has anyway:
// every answer to a typed request, every watch that connects, every watch
// event and bookmark counts as heard; a request abandoned at its timeout, or a
// watch that went silent past its inactivity timeout, counts as unanswered
// until something is heard again. /readyz is judged from it, so readiness
// costs no request of its own (it used to poll GET /version every 5 s).
//
// Why silence is enough: every watch asks for bookmarks and reconnects after
// INACTIVITY_MS without a line (watchedCache.ts), so a healthy API server is
// heard on each watch at least that often: a line, or the answer to the
// reconnect. A stalled one is not, and the first watch to time out says so.

import type { Clock } from '../../domain/ports.ts';

export interface ApiContact {
  /** The API server answered: a response head, a watch connected, a watch line. */
  heard(): void;
  /** A request or a watch got no answer in time; `reason` says which, in words, for the log. */
  unanswered(reason: string): void;
  /** Why the API server cannot be trusted to answer now; undefined when it can. */
  problem(): string | undefined;
}

export interface ApiContactOptions {
  readonly clock: Clock;
  /** Longer than the quiet a healthy server allows (each watch's inactivity timeout): then the silence itself is a problem. */
  readonly silentAfterMs: number;
}

export function createApiContact(options: ApiContactOptions): ApiContact {
  const { clock, silentAfterMs } = options;
  let heardAt: number | undefined;
  let unanswered: string | undefined;
  return {
    heard() {
      heardAt = clock.monotonicMs();
      unanswered = undefined;
    },
    unanswered(reason) {
      unanswered = reason;
    },
    problem() {
      if (unanswered !== undefined) return unanswered;
      if (heardAt === undefined) return 'nothing heard from the API server yet';
      const silentMs = clock.monotonicMs() - heardAt;
      if (silentMs > silentAfterMs) return `nothing heard from the API server for ${Math.round(silentMs / 1000)}s`;
      return undefined;
    },
  };
}
