// Turns the cron expression into ticks for the chaos round. node-cron decides
// when; each tick carries the time of the following one, because a tick
// stands for the business time until the next (see selection/candidates.ts).

import cron, { type ScheduledTask } from 'node-cron';
import type { Tick } from '../../domain/round/chaosRound.ts';

export interface CronTickerOptions {
  readonly expression: string;
  readonly timezone: string;
  readonly onTick: (tick: Tick) => Promise<unknown>;
  /** Used only when node-cron cannot say when the next run is. */
  readonly fallbackIntervalMs?: number;
}

export interface CronTicker {
  start(): void;
  stop(): Promise<void>;
  nextRun(): Date | null;
}

export function createCronTicker(options: CronTickerOptions): CronTicker {
  let task: ScheduledTask | undefined;
  const nextAfter = (at: Date): Date => {
    const upcoming = task?.getNextRuns(2).find((d) => d.getTime() > at.getTime());
    return upcoming ?? new Date(at.getTime() + (options.fallbackIntervalMs ?? 600_000));
  };
  return {
    start() {
      task = cron.createTask(options.expression, async (context) => {
        // The scheduled instant, not the moment the callback ran, so spans tile exactly.
        const at = context.date ?? context.triggeredAt;
        await options.onTick({ at, nextTick: nextAfter(at) });
      }, { timezone: options.timezone, noOverlap: true, name: 'kube-havoc-tick' });
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
