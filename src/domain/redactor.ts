// The one redactor every text passes through before it leaves the daemon:
// log lines, Events, Slack and webhook messages, /kills, `status`, `plan`.
// It removes the configured secrets (webhook URLs, bearer tokens, passwords,
// the ServiceAccount token) in every form they take, credentials in any URL,
// and bearer tokens in echoed headers, whatever the text's source: an
// upstream error body is as likely to carry them as our own messages.
// It also bounds each text, so a 200 KB annotation value or error body
// never becomes a 200 KB log line or Event.

export const REDACTED = '[redacted]';

/** Longest text (one string field) that leaves the daemon; the rest is cut with a note. */
export const MAX_TEXT_LENGTH = 2000;

/** Secrets shorter than this are not searched for: replacing every "ab" would garble text and hide nothing. */
const MIN_SECRET_LENGTH = 4;

export interface Redactor {
  /** The text with secrets and URL credentials replaced, cut to `maxLength`. */
  text(text: string, maxLength?: number): string;
  /** A copy of plain data (occurrences, records, reports) with every string redacted; Dates stay Dates. */
  value<T>(value: T): T;
  /** A copy of an error chain with redacted messages and stacks (loggers print causes too). */
  error(error: unknown): Error;
}

export interface RedactorOptions {
  /** The secrets as they are now (files are re-read by the caller when rotated). */
  readonly secrets: () => readonly string[];
  readonly maxLength?: number;
}

export function createRedactor(options: RedactorOptions): Redactor {
  const limit = options.maxLength ?? MAX_TEXT_LENGTH;
  const text = (input: string, maxLength = limit) => bound(scrub(input, options.secrets()), maxLength);
  const value = <T>(input: T, depth = 0): T => {
    if (typeof input === 'string') return text(input) as T;
    if (input === null || typeof input !== 'object' || input instanceof Date || depth > 8) return input;
    if (input instanceof Error) return error(input) as T;
    if (Array.isArray(input)) return input.map((item: unknown) => value(item, depth + 1)) as T;
    return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, value(v, depth + 1)])) as T;
  };
  const error = (input: unknown, depth = 0): Error => {
    const source = input instanceof Error ? input : new Error(String(input));
    const cause = depth < 5 && source.cause !== undefined ? { cause: error(source.cause, depth + 1) } : {};
    const copy = new Error(text(source.message), cause);
    copy.name = source.name;
    const { code, statusCode } = source as { code?: unknown; statusCode?: unknown };
    if (typeof code === 'string') Object.assign(copy, { code });
    if (typeof statusCode === 'number') Object.assign(copy, { statusCode });
    // The stack repeats the message, so it is rebuilt from the redacted one.
    copy.stack = text(source.stack ?? copy.message, limit * 4);
    return copy;
  };
  return { text, value: (input) => value(input), error: (input) => error(input) };
}

/** Every spelling of a secret worth hiding: a URL also without its scheme, and its path (which holds a webhook's token). */
function forms(secret: string): string[] {
  const trimmed = secret.trim();
  if (trimmed.length < MIN_SECRET_LENGTH) return [];
  const out = [trimmed, trimmed.replace(/^https?:\/\//, '')];
  if (/^https?:\/\//.test(trimmed) && URL.canParse(trimmed)) {
    const url = new URL(trimmed);
    out.push(url.href);
    if (url.pathname.length > 1) out.push(`${url.pathname}${url.search}`, url.pathname);
  }
  return out.filter((f) => f.length >= MIN_SECRET_LENGTH);
}

function scrub(input: string, secrets: readonly string[]): string {
  let out = input;
  for (const form of secrets.flatMap(forms).sort((a, b) => b.length - a.length)) out = out.replaceAll(form, REDACTED);
  return (
    out
      // scheme://user:password@host and scheme://token@host
      .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]+@/gi, `$1${REDACTED}@`)
      // An echoed Authorization header: Bearer <token>, Basic <base64>.
      .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/g, `$1 ${REDACTED}`)
  );
}

function bound(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  return `${text.slice(0, maxLength)}… [${text.length - maxLength} more characters cut]`;
}

/** The URL with its user name and password replaced, for a URL that is echoed (a bad probe-url value, a config dump). */
export function withoutCredentials(text: string): string {
  if (!URL.canParse(text)) return text;
  const url = new URL(text);
  if (url.username === '' && url.password === '') return text;
  url.username = 'redacted';
  url.password = '';
  return url.href;
}
