// One small read-only HTTP listener serving a fixed table of GET/HEAD routes;
// every other path is 404. The daemon runs two of them on separate ports (see
// metricsServer.ts and healthServer.ts), so a NetworkPolicy can admit the
// kubelet to the probes without admitting it to /metrics and /kills. A slow or
// failing request never touches the loop.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Log } from '../../domain/ports.ts';

export type Route = (request: IncomingMessage, response: ServerResponse) => Promise<void> | void;

export interface HttpServerOptions {
  /** What the listener is for, in its log lines ("metrics", "health"). */
  readonly name: string;
  /** Path to route; a path not listed answers 404. */
  readonly routes: Readonly<Record<string, Route>>;
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

export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { name, routes, log } = options;
  const server = createServer((request, response) => {
    handle(routes, request, response).catch((error: unknown) => {
      log.error({ err: error, path: request.url }, `${name} server: http request failed`);
      if (!response.headersSent) send(response, request, 500, 'internal error\n');
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) =>
      reject(new Error(`${name} server: cannot listen on ${options.host}:${options.port}: ${error.message}`, { cause: error }));
    server.once('error', failed);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', failed);
      resolve();
    });
  });
  // After start-up a server error is logged, never thrown: metrics and probes are not worth the loop.
  server.on('error', (error) => log.error({ err: error }, `${name} server error`));
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  log.info({ address: address.address, port: address.port }, `${name} server listening (${Object.keys(routes).join(', ')})`);
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

async function handle(
  routes: Readonly<Record<string, Route>>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
  if (route === undefined) return send(response, request, 404, 'not found\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return send(response, request, 405, 'method not allowed\n');
  }
  await route(request, response);
}

export function send(
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
