// The listener between the loop and a Notifier. `on` only queues: the round
// never waits for a delivery, a failed delivery is a warning, and nothing here
// can throw into the loop or make it act twice. Deliveries go one at a time so
// a kill's message always comes before its recovery verdict, and the queue is
// bounded so a Slack outage cannot grow memory without end.

import type { Occurrence } from '../../domain/occurrence.ts';
import type { Listener, Log } from '../../domain/ports.ts';
import { createFailureWatch } from './failureWatch.ts';
import { notificationFor } from './notificationFor.ts';
import type { Notification, Notifier } from './notifier.ts';

export const DELIVERY_RESULTS = ['sent', 'failed', 'dropped'] as const;
export type DeliveryResult = (typeof DELIVERY_RESULTS)[number];

export interface NotifyListenerOptions {
  readonly notifier: Notifier;
  readonly log: Log;
  readonly clusterName: string;
  /** The pause command for this install, shown on kill, drain and not-recovered messages. */
  readonly pauseCommands?: readonly string[];
  /** Grafana dashboard linked from those messages. */
  readonly dashboardUrl?: string;
  /** Post the day's plan when the window opens. */
  readonly dailyPlan?: boolean;
  /** Consecutive failed ticks (or kills) that get one message. */
  readonly failureThreshold?: number;
  /** Notifications waiting or in flight; more are dropped with a warning. */
  readonly maxQueued?: number;
  /** Called once per notification with how it ended (metrics). */
  readonly onDelivery?: (result: DeliveryResult) => void;
}

export interface NotifyListener extends Listener {
  /** Resolves when every queued notification is delivered or given up (tests, a graceful stop). */
  flush(): Promise<void>;
  /**
   * Shutdown with a deadline: waiting messages are dropped (counted and logged),
   * the one in flight ends within its own timeout and retries.
   */
  close(): Promise<void>;
}

export function createNotifyListener(options: NotifyListenerOptions): NotifyListener {
  const { notifier, log } = options;
  const maxQueued = options.maxQueued ?? 100;
  const context = {
    clusterName: options.clusterName,
    pauseCommands: options.pauseCommands,
    dashboardUrl: options.dashboardUrl,
  };
  const failures = createFailureWatch({ clusterName: options.clusterName, threshold: options.failureThreshold ?? 3 });
  const counted = (result: DeliveryResult) => {
    try {
      options.onDelivery?.(result);
    } catch (error) {
      log.warn({ err: error, notifier: notifier.name }, 'delivery hook failed');
    }
  };
  let queued = 0;
  let closed = false;
  let tail: Promise<void> = Promise.resolve();

  const drop = (notification: Notification, why: string) => {
    counted('dropped');
    log.warn(
      { notifier: notifier.name, topic: notification.topic, title: notification.title },
      `${notifier.name} notification dropped: ${why}`,
    );
  };

  const deliver = async (notification: Notification) => {
    if (closed) {
      queued -= 1;
      return drop(notification, 'shutting down');
    }
    try {
      await notifier.send(notification);
      counted('sent');
      log.debug({ notifier: notifier.name, topic: notification.topic }, 'notification sent');
    } catch (error) {
      counted('failed');
      // The Notifier contract keeps secrets out of its errors; the title says what was lost.
      log.warn(
        { err: error, notifier: notifier.name, topic: notification.topic, title: notification.title },
        `${notifier.name} notification not delivered`,
      );
    } finally {
      queued -= 1;
    }
  };

  const enqueue = (notification: Notification): Promise<void> => {
    if (closed || queued >= maxQueued) {
      drop(notification, closed ? 'shutting down' : `queue full (${maxQueued})`);
      return tail;
    }
    queued += 1;
    tail = tail.then(() => deliver(notification));
    return tail;
  };

  const flush = async () => {
    let seen: Promise<void> | undefined;
    while (seen !== tail) {
      seen = tail;
      await seen;
    }
  };

  return {
    name: notifier.name,
    on(o: Occurrence) {
      const messages = [
        o.type === 'day-plan' && options.dailyPlan === false ? undefined : notificationFor(o, context),
        failures.observe(o),
      ].filter((n): n is Notification => n !== undefined);
      if (messages.length === 0) return undefined;
      let last = tail;
      for (const message of messages) last = enqueue(message);
      return last;
    },
    flush,
    async close() {
      closed = true;
      await flush();
    },
  };
}
