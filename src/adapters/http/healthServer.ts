// The kubelet's listener: /healthz for the liveness probe (the process serves
// requests) and /readyz for the readiness probe, and nothing else, so that
// admitting the kubelet here admits no one to /metrics or /kills. /readyz
// names only the unmet conditions; the reasons are in the log.

import { createHttpServer, send, type HttpServer } from './httpServer.ts';
import type { Log } from '../../domain/ports.ts';
import type { ReadinessStatus } from './readiness.ts';

export interface HealthServerOptions {
  readonly readiness: () => ReadinessStatus;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly log: Log;
}

export function createHealthServer(options: HealthServerOptions): Promise<HttpServer> {
  return createHttpServer({
    name: 'health',
    host: options.host,
    port: options.port,
    log: options.log,
    routes: {
      '/healthz': (request, response) => send(response, request, 200, 'ok\n'),
      '/readyz': (request, response) => {
        const status = options.readiness();
        send(response, request, status.ready ? 200 : 503, status.ready ? 'ok\n' : `not ready: ${status.codes.join(', ')}\n`);
      },
    },
  });
}
