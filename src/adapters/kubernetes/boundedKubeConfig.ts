// Every request the typed clients make is bounded. @kubernetes/client-node
// sets no client timeout, so only undici's 300 s header timeout applied: a
// stalled API server froze the tick and the kill switch for minutes. Every
// adapter builds its clients with kubeConfig.makeApiClient(), so the bound is
// added there, once, as a request middleware that gives each request an
// AbortSignal (it also covers reading the body). Reads (GET) and writes get
// their own timeout. Watches are not built here: the SDK's Watch has its own
// inactivity timeout (watchedCache.ts sets it).
//
// With a contact (apiContact.ts) it also tells, for every request, whether the
// API server answered or left it without an answer: /readyz is judged from that.

import {
  createConfiguration,
  KubeConfig,
  ServerConfiguration,
  wrapHttpLibrary,
  type ApiConstructor,
  type ApiType,
  type HttpLibrary,
  type RequestContext,
} from '@kubernetes/client-node';
import type { ApiContact } from './apiContact.ts';
import { networkCode } from './errors.ts';

export interface RequestTimeouts {
  readonly readMs: number;
  readonly writeMs: number;
}

/** Thrown (as the abort reason) when the API server did not answer in time; its name makes errors.ts call it unreachable. */
export class RequestTimeoutError extends Error {
  readonly timeoutMs: number;

  constructor(timeoutMs: number, what: string) {
    super(`no answer from the API server within ${timeoutMs / 1000}s (${what})`);
    this.name = 'TimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

export class BoundedKubeConfig extends KubeConfig {
  readonly timeouts: RequestTimeouts;
  /** Told of every answer and every request left without one (watches tell it too). */
  readonly contact: ApiContact | undefined;
  readonly #http: HttpLibrary | undefined;

  constructor(timeouts: RequestTimeouts, contact?: ApiContact) {
    super();
    this.timeouts = timeouts;
    this.contact = contact;
    this.#http = contact === undefined ? undefined : observed(contact);
  }

  override makeApiClient<T extends ApiType>(apiClientType: ApiConstructor<T>): T {
    const cluster = this.getCurrentCluster();
    if (!cluster) throw new Error('No active cluster!');
    const config = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: this },
      promiseMiddleware: [{ pre: async (context) => bound(context, this.timeouts), post: async (response) => response }],
      ...(this.#http === undefined ? {} : { httpApi: this.#http }),
    });
    return new apiClientType(config);
  }
}

function bound(context: RequestContext, timeouts: RequestTimeouts): RequestContext {
  const method = context.getHttpMethod().toString();
  const ms = method === 'GET' || method === 'HEAD' ? timeouts.readMs : timeouts.writeMs;
  const controller = new AbortController();
  const path = new URL(context.getUrl()).pathname;
  // Unref'd: a request that answered in time leaves a harmless timer behind that must not hold the process.
  setTimeout(() => controller.abort(new RequestTimeoutError(ms, `${method} ${path}`)), ms).unref();
  context.setSignal(controller.signal);
  return context;
}

/** The SDK's own fetch library, telling the contact whether each request was answered (its head arrived). */
function observed(contact: ApiContact): HttpLibrary {
  const fetchLibrary = createConfiguration().httpApi;
  return wrapHttpLibrary({
    async send(request) {
      try {
        const response = await fetchLibrary.send(request).toPromise();
        contact.heard();
        return response;
      } catch (error) {
        // A timeout or a socket failure; anything else (an abort of ours) says nothing of the server.
        const code = networkCode(error);
        if (error instanceof RequestTimeoutError) contact.unanswered(error.message);
        else if (code !== undefined)
          contact.unanswered(
            `${request.getHttpMethod().toString()} ${new URL(request.getUrl()).pathname}: API server unreachable (${code})`,
          );
        throw error;
      }
    },
  });
}
