// The steady-state source on Prometheus's HTTP API: instant queries
// (GET /api/v1/query) with a timeout, optional bearer token or basic auth read
// from files (a mounted Secret; read at each query so a rotated token is
// used), and an optional CA file for TLS. node:http(s) rather than fetch,
// because only it takes a CA per request. Never throws: a failure is an answer.

import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { MetricsSource, QueryAnswer, Sample } from '../../domain/ports.ts';

export interface PrometheusAuth {
  readonly bearerTokenFile?: string;
  readonly basicAuth?: { readonly username: string; readonly passwordFile: string };
}

export interface PrometheusSourceOptions extends PrometheusAuth {
  /** Base URL, e.g. http://prometheus.monitoring:9090 (a path prefix is kept). */
  readonly url: string;
  readonly timeoutMs: number;
  /** PEM file of the CA that signed Prometheus's certificate. */
  readonly caFile?: string;
}

/**
 * How much of an upstream error body a detail quotes: enough to tell a proxy's
 * login page from a Prometheus error, too little to carry much of what a
 * misbehaving upstream echoes (the redactor removes the credentials anyway).
 */
export const UPSTREAM_BODY_LIMIT = 200;

const quoted = (text: string) =>
  text.length <= UPSTREAM_BODY_LIMIT ? text : `${text.slice(0, UPSTREAM_BODY_LIMIT)}… (${text.length} characters)`;

/** Answers are small; a larger body is a misconfigured URL, not a steady state. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

interface ApiBody {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

export function createPrometheusSource(options: PrometheusSourceOptions): MetricsSource {
  const base = new URL(options.url);
  const endpoint = (expr: string) => {
    const url = new URL(`${base.pathname.replace(/\/$/, '')}/api/v1/query`, base);
    url.searchParams.set('query', expr);
    return url;
  };
  return {
    async query(expr) {
      let headers: Record<string, string>;
      let ca: string | undefined;
      try {
        headers = await authHeaders(options);
        ca = options.caFile ? await readFile(options.caFile, 'utf8') : undefined;
      } catch (error) {
        return { ok: false, problem: 'error', detail: `cannot read a credential or CA file: ${(error as Error).message}` };
      }
      let reply: { status: number; body: string };
      try {
        reply = await get(endpoint(expr), { headers, ca, timeoutMs: options.timeoutMs });
      } catch (error) {
        return { ok: false, problem: 'unreachable', detail: `${base.origin}: ${(error as Error).message}` };
      }
      return toAnswer(reply);
    },
  };
}

async function authHeaders(auth: PrometheusAuth): Promise<Record<string, string>> {
  if (auth.bearerTokenFile) return { authorization: `Bearer ${(await readFile(auth.bearerTokenFile, 'utf8')).trim()}` };
  if (auth.basicAuth) {
    const password = (await readFile(auth.basicAuth.passwordFile, 'utf8')).replace(/\r?\n$/, '');
    return { authorization: `Basic ${Buffer.from(`${auth.basicAuth.username}:${password}`).toString('base64')}` };
  }
  return {};
}

function get(
  url: URL,
  options: { headers: Record<string, string>; ca?: string; timeoutMs: number },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, {
      method: 'GET',
      headers: { accept: 'application/json', ...options.headers },
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    });
    // One deadline for the whole exchange, headers and body: a slow Prometheus is an unreachable one.
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    req.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(error.code && !error.message.includes(error.code) ? `${error.code} (${error.message})` : error.message));
    });
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) req.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.once('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.once('error', () => undefined); // reported through req's error
    });
    req.end();
  });
}

function toAnswer(reply: { status: number; body: string }): QueryAnswer {
  let body: ApiBody;
  try {
    body = JSON.parse(reply.body) as ApiBody;
  } catch {
    return {
      ok: false,
      problem: 'error',
      detail: `HTTP ${reply.status}, not a Prometheus API answer: ${quoted(reply.body)}`,
    };
  }
  if (reply.status === 400 && body.errorType === 'bad_data')
    return { ok: false, problem: 'invalid-query', detail: quoted(body.error ?? 'bad_data') };
  if (reply.status !== 200 || body.status !== 'success') {
    return {
      ok: false,
      problem: 'error',
      detail: `HTTP ${reply.status}${body.errorType ? ` ${body.errorType}` : ''}: ${quoted(body.error ?? reply.body)}`,
    };
  }
  return { ok: true, samples: samples(body.data) };
}

/** Vector and matrix answers give one sample per series (a matrix: its last point); a scalar gives one. */
function samples(data: ApiBody['data']): Sample[] {
  const result = data?.result;
  if (data?.resultType === 'scalar' || data?.resultType === 'string') {
    return Array.isArray(result) ? [{ labels: {}, value: String(result[1]) }] : [];
  }
  if (!Array.isArray(result)) return [];
  return result.map((series: { metric?: Record<string, string>; value?: [number, string]; values?: [number, string][] }) => ({
    labels: series.metric ?? {},
    value: String(series.value?.[1] ?? series.values?.at(-1)?.[1] ?? ''),
  }));
}
