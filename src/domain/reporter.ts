// Fans every Occurrence out to the listeners. A listener that throws or
// rejects (Slack down, Event rejected) is logged as a warning; it never
// reaches the loop, never delays it and never makes it repeat a kill.

import type { Occurrence } from './occurrence.ts';
import type { Listener, Log } from './ports.ts';

export interface Reporter {
  report(occurrence: Occurrence): void;
  /** Waits for listeners still working (shutdown, tests). */
  flush(): Promise<void>;
}

export interface ReporterOptions {
  readonly listeners: readonly Listener[];
  /** Where a failing listener is told (as a warning). */
  readonly log: Log;
  /** The daemon's redactor: every occurrence passes it before any listener (Events, Slack, log, metrics) sees it. */
  readonly redact?: <T>(value: T) => T;
}

export function createReporter({ listeners, log, redact }: ReporterOptions): Reporter {
  const pending = new Set<Promise<void>>();
  const warn = (listener: Listener, occurrence: Occurrence, error: unknown) => {
    log.warn(
      { listener: listener.name, occurrence: occurrence.type, err: error },
      `${listener.name} failed to handle ${occurrence.type}`,
    );
  };
  return {
    report(reported) {
      const occurrence = redact === undefined ? reported : redact(reported);
      for (const listener of listeners) {
        try {
          const result = listener.on(occurrence);
          if (result instanceof Promise) {
            const tracked: Promise<void> = result
              .catch((error: unknown) => warn(listener, occurrence, error))
              .finally(() => pending.delete(tracked));
            pending.add(tracked);
          }
        } catch (error) {
          warn(listener, occurrence, error);
        }
      }
    },
    async flush() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
