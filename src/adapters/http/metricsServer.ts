// Prometheus's listener: /metrics and, when configured, /kills, and not the
// probes (healthServer.ts has those, on a port of its own). It discloses
// nothing by default: /kills is served only when configured, and then either
// behind a bearer token or open by choice, redacted.

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { createHttpServer, send, type HttpServer } from './httpServer.ts';
import type { Log } from '../../domain/ports.ts';
import type { Redactor } from '../../domain/redactor.ts';
import type { RecentKill } from './recentKills.ts';

export interface MetricsServerOptions {
  readonly registry: Registry;
  /** The recent kills as JSON rows for /kills; without it /kills is 404. */
  readonly recentKills?: () => Promise<readonly RecentKill[]>;
  /** The bearer token /kills asks for (read on each request, so a rotated Secret applies); absent: /kills is open. */
  readonly killsToken?: () => string;
  /** The daemon's redactor, over the /kills rows. */
  readonly redact?: Redactor;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly log: Log;
}

/** /kills while the kill history cannot be read: a reason, and nothing of the error (endpoints disclose nothing). */
export const KILLS_UNAVAILABLE = 'the kill history cannot be read now (the Kubernetes API does not answer); try again later';

export function createMetricsServer(options: MetricsServerOptions): Promise<HttpServer> {
  const { recentKills, registry } = options;
  return createHttpServer({
    name: 'metrics',
    host: options.host,
    port: options.port,
    log: options.log,
    routes: {
      '/metrics': async (request, response) => {
        const body = await registry.metrics();
        send(response, request, 200, body, registry.contentType);
      },
      ...(recentKills === undefined ? {} : { '/kills': killsRoute({ ...options, recentKills }) }),
    },
  });
}

/**
 * /kills reads the state through the API server: during an outage it answers 503 with a reason
 * (not 500: nothing is wrong with the daemon), and logs once per outage, not once per panel refresh.
 */
function killsRoute(options: MetricsServerOptions & { recentKills: NonNullable<MetricsServerOptions['recentKills']> }) {
  const { recentKills, log } = options;
  let failing = false;
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (options.killsToken !== undefined && !hasBearer(request, options.killsToken())) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="kube-havoc"');
      return send(response, request, 401, 'unauthorized\n');
    }
    let rows: readonly RecentKill[];
    try {
      rows = await recentKills();
    } catch (error) {
      if (!failing) log.warn({ err: error, path: '/kills' }, `/kills answers 503 until the kill history can be read again`);
      failing = true;
      response.setHeader('Retry-After', '10');
      return send(response, request, 503, `${JSON.stringify({ error: KILLS_UNAVAILABLE })}\n`, 'application/json');
    }
    if (failing) log.info({ path: '/kills' }, '/kills reads the kill history again');
    failing = false;
    send(response, request, 200, `${JSON.stringify(options.redact?.value(rows) ?? rows)}\n`, 'application/json');
  };
}

/** The request carries `Authorization: Bearer <token>` (compared in constant time). */
function hasBearer(request: IncomingMessage, token: string): boolean {
  const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (given === undefined || token === '') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
