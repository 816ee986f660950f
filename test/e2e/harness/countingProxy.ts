// A plain-HTTP proxy on 127.0.0.1 in front of the e2e API server that logs
// every request the daemon makes: method, path, when it started and ended,
// and the bytes both ways as they crossed the wire (compressed when the API
// server compressed them). The daemon gets a kubeconfig pointing at the
// proxy; the proxy authenticates upstream with the cluster's admin
// certificate. Used by the request-count e2e test, `npm run bench` and `npm run soak`.

import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface ProxiedRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  readonly query: string;
  readonly watch: boolean;
  /** Epoch ms. */
  readonly startedAt: number;
  endedAt?: number;
  status?: number;
  requestBytes: number;
  /** Response head and body as relayed; a watch keeps adding while it streams. */
  responseBytes: number;
}

export interface CountingProxy {
  /** Kubeconfig (JSON) for http://127.0.0.1:PORT, no credentials. */
  readonly kubeconfig: string;
  readonly url: string;
  readonly requests: readonly ProxiedRequest[];
  /** Removes and returns the requests seen so far (a long run keeps its memory flat); a watch still streaming keeps counting in its entry. */
  drain(): ProxiedRequest[];
  close(): Promise<void>;
}

/** `cluster`: its state dir (pki/) and server URL, as the e2e harness gives them. */
export async function startCountingProxy(cluster: { readonly dir: string; readonly server: string }): Promise<CountingProxy> {
  const upstream = new URL(cluster.server);
  const pki = (file: string) => readFileSync(path.join(cluster.dir, 'pki', file));
  const tls = { ca: pki('ca.crt'), cert: pki('admin.crt'), key: pki('admin.key') };
  const requests: ProxiedRequest[] = [];

  const relay = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const entry: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      watch: url.searchParams.get('watch') === 'true',
      startedAt: Date.now(),
      requestBytes: headBytes(req.rawHeaders) + (req.url ?? '').length,
      responseBytes: 0,
    };
    requests.push(entry);
    const out = httpsRequest(
      {
        ...tls,
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        entry.status = answer.statusCode;
        entry.responseBytes += headBytes(answer.rawHeaders);
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        // A watch answers its head at once and its first event maybe a minute later: pass the head on now.
        res.flushHeaders();
        answer.on('data', (chunk: Buffer) => {
          entry.responseBytes += chunk.length;
        });
        answer.on('end', () => {
          entry.endedAt = Date.now();
        });
        answer.pipe(res);
      },
    );
    out.on('error', (error) => {
      entry.endedAt = Date.now();
      if (!res.headersSent) res.writeHead(502);
      res.end(String(error));
    });
    req.on('data', (chunk: Buffer) => {
      entry.requestBytes += chunk.length;
    });
    res.on('close', () => out.destroy());
    req.pipe(out);
  };

  const server = createServer(relay);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = path.join(cluster.dir, `proxy-${Math.random().toString(36).slice(2, 8)}.kubeconfig`);
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'proxy',
      // Plain HTTP on loopback; the SDK refuses http:// unless TLS verification is declared off.
      clusters: [{ name: 'proxy', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'proxy', user: {} }],
      contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'proxy' } }],
    }),
  );
  return {
    kubeconfig,
    url,
    requests,
    drain: () => requests.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Bytes of an HTTP/1.1 head: "name: value\r\n" per header plus the request or status line (approximated). */
function headBytes(raw: readonly string[]): number {
  let bytes = 16;
  for (let i = 0; i + 1 < raw.length; i += 2) bytes += (raw[i]?.length ?? 0) + (raw[i + 1]?.length ?? 0) + 4;
  return bytes;
}
