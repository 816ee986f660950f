// Reading the history back: the newest days first, a week of objects per
// request, until enough attempts are found or the period is covered. /kills
// needs the newest 200 rows, which usually sit in the first week; `history
// --since` needs the whole period.

import { attempts, type Attempt } from './attempts.ts';
import type { HistoryEntry } from './historyEntry.ts';
import type { HistoryStore } from './historyStore.ts';
import { daysBetween } from './retention.ts';

export interface ReadAttemptsOptions {
  readonly store: Pick<HistoryStore, 'read'>;
  readonly since: Date;
  readonly now: Date;
  readonly localDate: (t: Date) => string;
  /** Stop once this many attempts are found (newest first); all of the period without it. */
  readonly limit?: number;
  /** Days read per request (default 7). */
  readonly batchDays?: number;
  /**
   * Read this many hours of days beyond both ends: a reader whose time zone may
   * not be the daemon's (the CLI) passes 14, the largest zone offset.
   */
  readonly padHours?: number;
}

/** The attempts since `since`, newest first; entries of a day before `since` are left out. */
export async function readAttempts(options: ReadAttemptsOptions): Promise<Attempt[]> {
  const pad = (options.padHours ?? 0) * 3_600_000;
  const days = daysBetween(new Date(options.since.getTime() - pad), new Date(options.now.getTime() + pad), options.localDate);
  const batch = options.batchDays ?? 7;
  const since = options.since.toISOString();
  const entries: HistoryEntry[] = [];
  for (let i = 0; i < days.length; i += batch) {
    entries.push(...(await options.store.read(days.slice(i, i + batch))).filter((e) => e.at >= since));
    if (options.limit !== undefined && attempts(entries).length >= options.limit) break;
  }
  const found = attempts(entries);
  return options.limit === undefined ? found : found.slice(0, options.limit);
}
