// The Slack Notifier: @slack/webhook's IncomingWebhook with a per-request
// timeout and a bounded retry policy with exponential backoff. The client
// retries what may be transient (no answer, timeout, 5xx) and gives up at
// once on a 4xx, which a retry would not fix (a revoked URL), except a 429
// whose Retry-After is within bounds: that one is waited out (retryAfterFetch.ts).

import { IncomingWebhook } from '@slack/webhook';
import type { Notification, Notifier } from '../notify/notifier.ts';
import { redactedError, redactWebhook } from './redactWebhook.ts';
import { retryAfterFetch } from './retryAfterFetch.ts';
import { toSlackMessage } from './slackMessage.ts';

export interface SlackRetryPolicy {
  /** Retries after the first attempt; 0 sends once. */
  readonly retries: number;
  /** Wait before the first retry; doubles each time (with jitter) up to maxBackoffMs. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export interface SlackNotifierOptions {
  /** Secret. Kept inside the client; never logged, never part of an error. */
  readonly webhookUrl: string;
  /** One request's timeout. */
  readonly timeoutMs: number;
  readonly retry: SlackRetryPolicy;
  /** Longest Slack Retry-After waited out (default 30 s). */
  readonly maxRetryAfterMs?: number;
  /** Waits for Retry-After; tests pass one that does not sleep. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export class SlackDeliveryError extends Error {
  constructor(message: string, options: { cause: Error }) {
    super(message, options);
    this.name = 'SlackDeliveryError';
  }
}

export function createSlackNotifier(options: SlackNotifierOptions): Notifier {
  const { webhookUrl, retry } = options;
  if (!URL.canParse(webhookUrl)) throw new Error('slack.webhookUrl is not a URL (value redacted)');
  const webhook = new IncomingWebhook(webhookUrl, {
    timeout: options.timeoutMs,
    fetch: retryAfterFetch({
      fetch: globalThis.fetch,
      retries: retry.retries,
      maxWaitMs: options.maxRetryAfterMs ?? 30_000,
      timeoutMs: options.timeoutMs,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      now: Date.now,
    }),
    retryConfig: {
      retries: retry.retries,
      factor: 2,
      minTimeout: retry.backoffMs,
      maxTimeout: retry.maxBackoffMs,
      randomize: true,
    },
  });
  const attempts = retry.retries + 1;
  return {
    name: 'slack',
    async send(notification: Notification) {
      try {
        await webhook.send(toSlackMessage(notification));
      } catch (error) {
        const cause = redactedError(error, webhookUrl);
        const tried = `up to ${attempts} attempts, ${options.timeoutMs} ms each`;
        const message = `slack post "${notification.title}" failed (${tried}): ${cause.message}`;
        throw new SlackDeliveryError(redactWebhook(message, webhookUrl), { cause });
      }
    },
  };
}
