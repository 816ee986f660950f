// Wiring for the composition root: the `slack.*` settings to a notify
// listener, or nothing when no webhook is configured (Slack is optional).

import { durationSeconds } from '../../domain/duration.ts';
import type { Log } from '../../domain/ports.ts';
import { createNotifyListener, type DeliveryResult, type NotifyListener } from '../notify/notifyListener.ts';
import { createSlackNotifier } from './slackNotifier.ts';

/**
 * What the adapter needs of the `slack.*` settings; config.slack after loadConfig
 * (webhookUrlFile already read into webhookUrl) is one.
 */
export interface SlackSettings {
  /** Empty: Slack notifications off. */
  readonly webhookUrl: string;
  /** A duration such as 5s. */
  readonly timeout: string;
  readonly retries: number;
  readonly dailyPlan: boolean;
  /** Empty: no dashboard link. */
  readonly dashboardUrl: string;
}

export interface SlackListenerOptions {
  readonly slack: SlackSettings;
  readonly clusterName: string;
  /** The exact pause command for this install (the composition root knows namespace and state ConfigMap). */
  readonly pauseCommands?: readonly string[];
  readonly log: Log;
  readonly onDelivery?: (result: DeliveryResult) => void;
}

export function createSlackListener(options: SlackListenerOptions): NotifyListener | undefined {
  const { slack, log } = options;
  if (slack.webhookUrl === '') {
    log.info({}, 'slack notifications off (no slack.webhookUrl or slack.webhookUrlFile)');
    return undefined;
  }
  const timeoutMs = durationSeconds(slack.timeout) * 1000;
  const notifier = createSlackNotifier({
    webhookUrl: slack.webhookUrl,
    timeoutMs,
    // 1 s, 2 s, 4 s ... with jitter: a short Slack hiccup is bridged, an outage is not waited out.
    retry: { retries: slack.retries, backoffMs: 1000, maxBackoffMs: 10_000 },
  });
  log.info({ timeoutMs, retries: slack.retries, dailyPlan: slack.dailyPlan }, 'slack notifications on');
  return createNotifyListener({
    notifier,
    log,
    clusterName: options.clusterName,
    dailyPlan: slack.dailyPlan,
    pauseCommands: options.pauseCommands,
    ...(slack.dashboardUrl === '' ? {} : { dashboardUrl: slack.dashboardUrl }),
    onDelivery: options.onDelivery,
  });
}
