// Turns the cron expression into ticks for the chaos round. node-cron decides
// when; each tick carries the time of the following one, because a tick
// stands for the business time until the next (see selection/candidates.ts),
// and a deadline shorter than that, so a slow tick ends before the next is due.
// Overlap is not left to node-cron (its noOverlap drops the tick silently and
// prints a coloured line on stderr): every due tick reaches the round, which
// reports one that finds the previous still running as `overlap`. node-cron's
// own messages go through our log.

import cron, { type ScheduledTask } from 'node-cron';
import type { Log } from '../../domain/ports.ts';
import type { Tick } from '../../domain/round/chaosRound.ts';

export interface CronTickerOptions {
  readonly expression: string;
  readonly timezone: string;
  readonly onTick: (tick: Tick) => Promise<unknown>;
  /** Longest a tick may run (schedule.tickDeadline); it is also kept under the time until the next tick. */
  readonly deadlineMs?: number;
  /** Receives node-cron's warnings and errors instead of stderr. */
  readonly log?: Log;
  /** Used only when node-cron cannot say when the next run is. */
  readonly fallbackIntervalMs?: number;
}

export interface CronTicker {
  start(): void;
  stop(): Promise<void>;
  nextRun(): Date | null;
}

/** 90% of the time until the next tick, at most the configured deadline, at least one second. */
export function tickDeadlineMs(at: Date, nextTick: Date, configuredMs?: number): number {
  const period = 0.9 * (nextTick.getTime() - at.getTime());
  return Math.max(1000, Math.min(configuredMs ?? Number.POSITIVE_INFINITY, period));
}

export function createCronTicker(options: CronTickerOptions): CronTicker {
  let task: ScheduledTask | undefined;
  // The last tick started: the next one names it as its previous slot only if it was due right before.
  let last: { at: Date; nextTick: Date } | undefined;
  const nextAfter = (at: Date): Date => {
    const upcoming = task?.getNextRuns(2).find((d) => d.getTime() > at.getTime());
    return upcoming ?? new Date(at.getTime() + (options.fallbackIntervalMs ?? 600_000));
  };
  const log = options.log;
  const logger = {
    info: (message: string) => log?.debug({ source: 'node-cron' }, message),
    warn: (message: string) => log?.warn({ source: 'node-cron' }, message),
    error: (message: string | Error, err?: Error) => log?.error({ source: 'node-cron', err: err ?? message }, String(message)),
    debug: (message: string | Error) => log?.debug({ source: 'node-cron' }, String(message)),
  };
  return {
    start() {
      task = cron.createTask(
        options.expression,
        async (context) => {
          // The scheduled instant, not the moment the callback ran, so spans tile exactly.
          const at = context.date ?? context.triggeredAt;
          const nextTick = nextAfter(at);
          const deadline = AbortSignal.timeout(tickDeadlineMs(at, nextTick, options.deadlineMs));
          const previousTick = last?.nextTick.getTime() === at.getTime() ? last.at : undefined;
          last = { at, nextTick };
          await options.onTick({ at, nextTick, deadline, ...(previousTick ? { previousTick } : {}) });
        },
        { timezone: options.timezone, noOverlap: false, name: 'kube-havoc-tick', logger },
      );
      // A tick the process could not even start (event loop blocked): said once, through the log.
      task.on('execution:missed', (context) => {
        log?.warn({ missed: context.date }, 'a tick was missed: the process was blocked when it was due');
      });
      void task.start();
    },
    async stop() {
      await task?.stop();
      await task?.destroy();
      task = undefined;
    },
    nextRun: () => task?.getNextRun() ?? null,
  };
}
