// Turns what @kubernetes/client-node throws (ApiException with an HTTP code
// and a Status body as text, or undici's "fetch failed" with a socket error
// as cause) into one domain error with a bounded `kind`, which the round
// reports and the metrics count. The original error stays as `cause`.

export type KubernetesErrorKind = 'api-unreachable' | 'forbidden' | 'conflict' | 'not-found' | 'api-error' | 'invalid-state';

export class KubernetesError extends Error {
  readonly kind: KubernetesErrorKind;
  /** HTTP status from the API server; undefined when it was never reached. */
  readonly status: number | undefined;

  constructor(kind: KubernetesErrorKind, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'KubernetesError';
    this.kind = kind;
    this.status = options.status;
  }
}

/** The parts of a metav1.Status body that say what went wrong. */
export interface ApiStatus {
  readonly message?: string;
  readonly reason?: string;
  readonly details?: { readonly causes?: readonly { readonly reason?: string; readonly message?: string }[] };
}

// Socket and TLS failures: the API server was not reached (or not trusted),
// so retrying later is the only remedy.
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
]);

/** HTTP status of an SDK error: ApiException.code, or statusCode from the watch client. */
export function httpStatus(error: unknown): number | undefined {
  if (error instanceof KubernetesError) return error.status;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  if (typeof statusCode === 'number') return statusCode;
  return undefined;
}

/** The Status object of an ApiException; the generated client keeps the body as text. */
export function apiStatus(error: unknown): ApiStatus | undefined {
  const body = (error as { body?: unknown } | null)?.body;
  if (typeof body === 'object' && body !== null) return body as ApiStatus;
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as ApiStatus) : undefined;
  } catch {
    return { message: body.slice(0, 300) };
  }
}

/** The API server's own words: the Status message plus its causes (a PDB names itself there). */
export function apiMessage(error: unknown): string | undefined {
  const status = apiStatus(error);
  if (status === undefined) return undefined;
  const causes = (status.details?.causes ?? [])
    .map((c) => c.message)
    .filter((m): m is string => typeof m === 'string' && m !== '');
  const parts = [status.message, ...causes].filter((m): m is string => typeof m === 'string' && m !== '');
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** First socket/TLS error code in the cause chain (undici nests them, sometimes in an AggregateError). */
export function networkCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const { code, cause, errors, name } = error as { code?: unknown; cause?: unknown; errors?: unknown; name?: unknown };
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return code;
  if (name === 'TimeoutError') return 'timeout';
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = networkCode(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return networkCode(cause, depth + 1);
}

/**
 * A domain error for `doing` ("list deployments", "evict pod ns/name").
 * Kubernetes errors pass through unchanged, so adapters can wrap freely.
 */
export function toKubernetesError(error: unknown, doing: string): KubernetesError {
  if (error instanceof KubernetesError) return error;
  const status = httpStatus(error);
  if (status !== undefined) {
    const said = apiMessage(error) ?? (error as Error).message?.split('\n')[0] ?? 'no message';
    const options = { cause: error, status };
    if (status === 401)
      return new KubernetesError('forbidden', `${doing}: unauthorized (401), the credentials were rejected: ${said}`, options);
    if (status === 403)
      return new KubernetesError('forbidden', `${doing}: forbidden (403), RBAC does not allow it: ${said}`, options);
    if (status === 404) return new KubernetesError('not-found', `${doing}: not found (404): ${said}`, options);
    if (status === 409) return new KubernetesError('conflict', `${doing}: conflict (409): ${said}`, options);
    return new KubernetesError('api-error', `${doing}: API server answered ${status}: ${said}`, options);
  }
  const code = networkCode(error);
  const message = causeMessages(error);
  if (code !== undefined) {
    return new KubernetesError('api-unreachable', `${doing}: API server unreachable (${code}): ${message}`, { cause: error });
  }
  if (/fetch failed|socket|network/i.test(message)) {
    return new KubernetesError('api-unreachable', `${doing}: API server unreachable: ${message}`, { cause: error });
  }
  return new KubernetesError('api-error', `${doing}: ${message}`, { cause: error });
}

/** "fetch failed: connect ECONNREFUSED 127.0.0.1:6443": undici's own message says little without its causes. */
function causeMessages(error: unknown): string {
  const messages: string[] = [];
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
    const message = current instanceof Error ? current.message : String(current);
    if (message !== '' && !messages.includes(message)) messages.push(message);
    current = (current as { cause?: unknown }).cause;
  }
  return messages.join(': ');
}

export function isNotFound(error: unknown): boolean {
  return httpStatus(error) === 404;
}

export function isConflict(error: unknown): boolean {
  return httpStatus(error) === 409;
}
