// Turns the cron expression into ticks for the chaos round. node-cron decides
// when; each tick carries the time of the following one, because a tick
// stands for the business time until the next (see selection/candidates.ts),
// and a deadline shorter than that, so a slow tick ends before the next is due.
// Overlap is not left to node-cron (its noOverlap drops the tick silently and
// prints a coloured line on stderr): every due tick reaches the round, which
// reports one that finds the previous still running as `overlap`. node-cron's
// own messages go through our log.
//
// node-cron waits with a timer computed from the wall clock when it armed: a
// wall clock stepped back leaves it asleep until the old slot (hours with no
// tick), a step forward makes it call every slot jumped over "missed". So the
// wall clock is compared with the monotonic clock every few seconds and at each
// slot; on a step the schedule is armed again on the new time and the step is
// told. A slot node-cron could not run (the process frozen or blocked when it
// was due, no step involved) is told as missed.

import cron from 'node-cron';
import type { Clock, Log } from '../../domain/ports.ts';
import type { Tick } from '../../domain/round/chaosRound.ts';
import { createStepDetector, type ClockStep } from '../../domain/time/clockStep.ts';

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
  /** The clocks a step is told from (wall against monotonic); without it no step is looked for. */
  readonly clock?: Clock;
  /** How often the clocks are compared between slots (5 s by default). */
  readonly stepCheckMs?: number;
  /** A step of the wall clock; the schedule is already armed again on the new time. */
  readonly onClockStep?: (step: ClockStep) => void;
  /** A slot that never ran: the process was frozen or blocked when it was due. */
  readonly onMissed?: (slot: Date) => void;
  /** Arms the schedule: node-cron by default; tests pass a fake. */
  readonly schedule?: Schedule;
}

/** A running schedule of slots. */
export interface Slots {
  /** The next `count` slots after now. */
  next(count: number): Date[];
  stop(): Promise<void>;
}

export type Schedule = (options: {
  readonly expression: string;
  readonly timezone: string;
  readonly onSlot: (at: Date) => Promise<void>;
  readonly onMissed: (at: Date) => void;
  readonly log?: Log | undefined;
}) => Slots;

export interface CronTicker {
  start(): void;
  stop(): Promise<void>;
  nextRun(): Date | null;
  /** Compares the clocks now, as the ticker does every stepCheckMs and at each slot: true when the wall clock stepped. */
  checkClock(): boolean;
}

/** 90% of the time until the next tick, at most the configured deadline, at least one second. */
export function tickDeadlineMs(at: Date, nextTick: Date, configuredMs?: number): number {
  const period = 0.9 * (nextTick.getTime() - at.getTime());
  return Math.max(1000, Math.min(configuredMs ?? Number.POSITIVE_INFINITY, period));
}

export function createCronTicker(options: CronTickerOptions): CronTicker {
  const schedule = options.schedule ?? nodeCronSchedule;
  let slots: Slots | undefined;
  // Which arming a callback belongs to: those of a schedule replaced after a step are ignored.
  let arming = 0;
  let stepTimer: ReturnType<typeof setInterval> | undefined;
  // The last tick started: the next one names it as its previous slot only if it was due right before.
  let last: { at: Date; nextTick: Date } | undefined;
  const detector = options.clock ? createStepDetector(options.clock) : undefined;
  const nextAfter = (at: Date): Date => {
    const upcoming = slots?.next(2).find((d) => d.getTime() > at.getTime());
    return upcoming ?? new Date(at.getTime() + (options.fallbackIntervalMs ?? 600_000));
  };

  const arm = () => {
    const mine = ++arming;
    const old = slots;
    void old?.stop();
    slots = schedule({
      expression: options.expression,
      timezone: options.timezone,
      log: options.log,
      onSlot: async (at) => {
        if (mine !== arming || stepped()) return;
        const nextTick = nextAfter(at);
        const deadline = AbortSignal.timeout(tickDeadlineMs(at, nextTick, options.deadlineMs));
        const previousTick = last?.nextTick.getTime() === at.getTime() ? last.at : undefined;
        last = { at, nextTick };
        await options.onTick({ at, nextTick, deadline, ...(previousTick ? { previousTick } : {}) });
      },
      onMissed: (at) => {
        if (mine !== arming || stepped()) return;
        options.onMissed?.(at);
      },
    });
  };

  /** Whether the wall clock stepped since the last look; if so the schedule is armed again and the step told. */
  const stepped = (): boolean => {
    const step = detector?.check();
    if (step === undefined) return false;
    // The slots on either side of a step do not follow each other.
    last = undefined;
    arm();
    options.onClockStep?.(step);
    return true;
  };

  return {
    start() {
      detector?.check();
      arm();
      if (detector) {
        stepTimer = setInterval(stepped, options.stepCheckMs ?? 5000);
        stepTimer.unref();
      }
    },
    async stop() {
      clearInterval(stepTimer);
      arming++;
      await slots?.stop();
      slots = undefined;
    },
    nextRun: () => slots?.next(1)[0] ?? null,
    checkClock: stepped,
  };
}

/** node-cron as the schedule: the scheduled instant is the slot (not when the callback ran), so spans tile exactly. */
const nodeCronSchedule: Schedule = ({ expression, timezone, onSlot, onMissed, log }) => {
  const logger = {
    info: (message: string) => log?.debug({ source: 'node-cron' }, message),
    warn: (message: string) => log?.warn({ source: 'node-cron' }, message),
    error: (message: string | Error, err?: Error) => log?.error({ source: 'node-cron', err: err ?? message }, String(message)),
    debug: (message: string | Error) => log?.debug({ source: 'node-cron' }, String(message)),
  };
  const task = cron.createTask(expression, (context) => onSlot(context.date ?? context.triggeredAt), {
    timezone,
    noOverlap: false,
    name: 'kube-havoc-tick',
    logger,
  });
  task.on('execution:missed', (context) => onMissed(context.date ?? context.triggeredAt));
  void task.start();
  return {
    next: (count) => task.getNextRuns(count),
    async stop() {
      await task.stop();
      await task.destroy();
    },
  };
};
