// A Slack webhook URL is a bearer secret: whoever has it can post to the
// channel. The Slack adapter's own errors go through the daemon's one
// redactor (domain/redactor.ts) with the URL as the secret, before they reach
// the log or the metrics.

import { createRedactor, REDACTED } from '../../domain/redactor.ts';

export { REDACTED };

/** The text with every form of the URL (whole, without scheme, its path) replaced. */
export function redactWebhook(text: string, webhookUrl: string): string {
  return createRedactor({ secrets: () => [webhookUrl], maxLength: Number.POSITIVE_INFINITY }).text(text);
}

/** A copy of the error chain with redacted messages. The original is not kept as a cause. */
export function redactedError(error: unknown, webhookUrl: string): Error {
  return createRedactor({ secrets: () => [webhookUrl] }).error(error);
}
