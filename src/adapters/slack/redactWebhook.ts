// A Slack webhook URL is a bearer secret: whoever has it can post to the
// channel. Every text and error that leaves the Slack adapter goes through
// here, so the URL never reaches a log line, an Event or a metric.

export const REDACTED = '[redacted webhook]';

/** The text with every form of the URL (whole, without scheme, its path) replaced. */
export function redactWebhook(text: string, webhookUrl: string): string {
  if (webhookUrl === '') return text;
  const forms = [webhookUrl, webhookUrl.replace(/^https?:\/\//, '')];
  if (URL.canParse(webhookUrl)) {
    const url = new URL(webhookUrl);
    forms.push(url.href);
    // The path holds the secret token; a short path such as "/" is not worth hiding.
    if (url.pathname.length > 1) forms.push(`${url.pathname}${url.search}`, url.pathname);
  }
  let out = text;
  for (const form of forms.sort((a, b) => b.length - a.length)) out = out.replaceAll(form, REDACTED);
  return out;
}

/**
 * A copy of the error chain with redacted messages. The original is not kept
 * as a cause, because loggers print causes too.
 */
export function redactedError(error: unknown, webhookUrl: string, depth = 0): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const cause = depth < 5 && source.cause !== undefined ? { cause: redactedError(source.cause, webhookUrl, depth + 1) } : {};
  const copy = new Error(redactWebhook(source.message, webhookUrl), cause);
  copy.name = source.name;
  const { code, statusCode } = source as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'string') Object.assign(copy, { code });
  if (typeof statusCode === 'number') Object.assign(copy, { statusCode });
  // The stack repeats the message, so it is rebuilt from the redacted one.
  copy.stack = redactWebhook(source.stack ?? copy.message, webhookUrl);
  return copy;
}
