// A TLS proxy on 127.0.0.1 with the API server's own certificate, forwarding
// as the admin user. It can hold the first request matching `hold` until the
// test releases it: the world can change while the daemon waits (a pause
// written, a label removed), and the held request then reaches the API server
// and answers with what is true by then. And it can withhold the answer of
// every request matching `withhold`: the API server performs it, the client
// never hears back. Every other request passes at once.

import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';

export interface PassedRequest {
  readonly method: string;
  readonly path: string;
  status?: number;
}

export interface HoldingProxy {
  readonly url: string;
  /** Requests forwarded upstream (the held one too, once released). */
  readonly passed: readonly PassedRequest[];
  /** Resolves when the first matching request arrived and is held. */
  readonly holding: Promise<void>;
  release(): void;
  close(): Promise<void>;
}

type Matcher = (method: string, path: string) => boolean;

export async function startHoldingProxy(
  cluster: { readonly dir: string; readonly server: string },
  { hold = () => false, withhold = () => false }: { readonly hold?: Matcher; readonly withhold?: Matcher },
): Promise<HoldingProxy> {
  const pki = (name: string) => readFileSync(join(cluster.dir, 'pki', name));
  const upstream = new URL(cluster.server);
  const passed: PassedRequest[] = [];
  const sockets = new Set<Socket>();
  let held = false;
  let arrived: () => void = () => undefined;
  const holding = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });

  const server: Server = createServer({ cert: pki('apiserver.crt'), key: pki('apiserver.key') }, (req, res) => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'https://proxy').pathname;
    const forward = () => {
      const entry: PassedRequest = { method, path };
      passed.push(entry);
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method,
          path: req.url,
          headers: req.headers,
          ca: pki('ca.crt'),
          cert: pki('admin.crt'),
          key: pki('admin.key'),
        },
        (answer) => {
          entry.status = answer.statusCode;
          if (withhold(method, path)) {
            answer.resume();
            return; // withheld: the response is never written
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.flushHeaders(); // a watch's head goes out before its first event, as from the API server
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    };
    if (!held && hold(method, path)) {
      held = true;
      req.pause();
      arrived();
      void released.then(forward);
      return;
    }
    forward();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    passed,
    holding,
    release: () => release(),
    close: async () => {
      release();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Kubeconfig of the admin user, pointed at another server on 127.0.0.1 (a proxy). */
export function kubeconfigVia(cluster: { readonly dir: string; readonly kubeconfig: string }, server: string): string {
  const config = JSON.parse(readFileSync(cluster.kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[] };
  for (const c of config.clusters) c.cluster.server = server;
  const file = join(cluster.dir, `proxy-${Math.random().toString(36).slice(2, 8)}.kubeconfig`);
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}
