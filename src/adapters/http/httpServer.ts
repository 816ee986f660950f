// The daemon's small HTTP server: /metrics for Prometheus, /healthz for the
// liveness probe (the process serves requests), /readyz for the readiness
// probe. It only reads: a slow or failing scrape never touches the loop.
// It discloses nothing by default: /readyz names only the unmet conditions
// (the reasons are in the log), /kills is served only when configured, and
// then either behind a bearer token or open by choice, redacted.

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Log } from '../../domain/ports.ts';
import type { Redactor } from '../../domain/redactor.ts';
import type { ReadinessStatus } from './readiness.ts';
import type { RecentKill } from './recentKills.ts';

export interface HttpServerOptions {
  readonly registry: Registry;
  readonly readiness: () => ReadinessStatus;
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

export interface HttpServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  close(): Promise<void>;
}

/** /kills while the kill history cannot be read: a reason, and nothing of the error (endpoints disclose nothing). */
export const KILLS_UNAVAILABLE = 'the kill history cannot be read now (the Kubernetes API does not answer); try again later';

export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { recentKills } = options;
  const kills = recentKills === undefined ? undefined : killsRoute({ ...options, recentKills });
  const server = createServer((request, response) => {
    handle(options, kills, request, response).catch((error: unknown) => {
      options.log.error({ err: error, path: request.url }, 'http request failed');
      if (!response.headersSent) send(response, request, 500, 'internal error\n');
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) =>
      reject(new Error(`cannot listen on ${options.host}:${options.port}: ${error.message}`, { cause: error }));
    server.once('error', failed);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', failed);
      resolve();
    });
  });
  // After start-up a server error is logged, never thrown: metrics are not worth the loop.
  server.on('error', (error) => options.log.error({ err: error }, 'http server error'));
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  options.log.info(
    { address: address.address, port: address.port },
    `http server listening (/metrics, /healthz, /readyz${options.recentKills ? ', /kills' : ''})`,
  );
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Prometheus keeps its scrape connection alive; without this close() waits for it.
        server.closeAllConnections();
      }),
  };
}

/**
 * /kills reads the state through the API server: during an outage it answers 503 with a reason
 * (not 500: nothing is wrong with the daemon), and logs once per outage, not once per panel refresh.
 */
function killsRoute(options: HttpServerOptions & { recentKills: NonNullable<HttpServerOptions['recentKills']> }) {
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

async function handle(
  options: HttpServerOptions,
  kills: ReturnType<typeof killsRoute> | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const routes: Record<string, () => Promise<void> | void> = {
    '/metrics': async () => {
      const body = await options.registry.metrics();
      send(response, request, 200, body, options.registry.contentType);
    },
    '/healthz': () => send(response, request, 200, 'ok\n'),
    ...(kills === undefined ? {} : { '/kills': () => kills(request, response) }),
    '/readyz': () => {
      const status = options.readiness();
      send(response, request, status.ready ? 200 : 503, status.ready ? 'ok\n' : `not ready: ${status.codes.join(', ')}\n`);
    },
  };
  const route = routes[path];
  if (route === undefined) return send(response, request, 404, 'not found\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return send(response, request, 405, 'method not allowed\n');
  }
  await route();
}

/** The request carries `Authorization: Bearer <token>` (compared in constant time). */
function hasBearer(request: IncomingMessage, token: string): boolean {
  const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (given === undefined || token === '') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(
  response: ServerResponse,
  request: IncomingMessage,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}
