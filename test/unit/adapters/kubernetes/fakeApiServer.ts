// A hand-written stand-in for the parts of the API server the Lease and
// ConfigMap adapters use: objects by name, a resourceVersion per write, 409 on
// a stale write or a second create, 404 for what is missing. Failures can be
// queued to simulate an unreachable or forbidden API.

import { ApiException, type V1ConfigMap, type V1Lease } from '@kubernetes/client-node';
import { METADATA_ONLY, type ConfigMapApi } from '../../../../src/adapters/kubernetes/configMapStateStore.ts';
import type { LeaseApi } from '../../../../src/adapters/kubernetes/leaderElection.ts';

interface Stored {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export function statusError(code: number, message: string, extra: object = {}): ApiException<string> {
  return new ApiException(
    code,
    'Unknown API Status Code!',
    JSON.stringify({ kind: 'Status', status: 'Failure', code, message, ...extra }),
    {},
  );
}

export function createFakeApiServer() {
  const objects = new Map<string, Stored>();
  const failures: unknown[] = [];
  let version = 100;
  const calls: string[] = [];
  const key = (kind: string, ns: string, name: string) => `${kind}/${ns}/${name}`;
  const copy = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

  const store = <T extends Stored>(kind: string) => ({
    async read(ns: string, name: string, metadataOnly = false): Promise<T> {
      calls.push(`get ${kind}${metadataOnly ? ' (metadata)' : ''}`);
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      const found = objects.get(key(kind, ns, name));
      if (found === undefined) throw statusError(404, `${kind} "${name}" not found`);
      // As the API server answers Accept: ...;as=PartialObjectMetadata: the metadata, nothing else.
      if (metadataOnly)
        return { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: copy(found.metadata) } as unknown as T;
      return copy(found) as T;
    },
    async create(ns: string, body: T): Promise<T> {
      calls.push(`create ${kind}`);
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      const name = body.metadata?.name ?? '';
      if (objects.has(key(kind, ns, name)))
        throw statusError(409, `${kind} "${name}" already exists`, { reason: 'AlreadyExists' });
      const saved = { ...copy(body), metadata: { ...body.metadata, resourceVersion: String(++version) } };
      objects.set(key(kind, ns, name), saved);
      return copy(saved) as T;
    },
    async replace(ns: string, name: string, body: T): Promise<T> {
      calls.push(`update ${kind}`);
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      const found = objects.get(key(kind, ns, name));
      if (found === undefined) throw statusError(404, `${kind} "${name}" not found`);
      if (body.metadata?.resourceVersion !== found.metadata?.resourceVersion) {
        throw statusError(
          409,
          `Operation cannot be fulfilled on ${kind} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          { reason: 'Conflict' },
        );
      }
      const saved = { ...copy(body), metadata: { ...body.metadata, resourceVersion: String(++version) } };
      objects.set(key(kind, ns, name), saved);
      return copy(saved) as T;
    },
    /** Someone else writes (another replica, kubectl): bumps the version. */
    touch(ns: string, name: string, change: (o: T) => T): void {
      const changed = change(copy(objects.get(key(kind, ns, name)) as T));
      objects.set(key(kind, ns, name), { ...changed, metadata: { ...changed.metadata, resourceVersion: String(++version) } });
    },
    /** Someone else deletes it (kubectl delete). */
    remove(ns: string, name: string): void {
      objects.delete(key(kind, ns, name));
    },
    peek(ns: string, name: string): T | undefined {
      const found = objects.get(key(kind, ns, name));
      return found === undefined ? undefined : (copy(found) as T);
    },
  });

  const leaseStore = store<V1Lease>('leases');
  const configMapStore = store<V1ConfigMap>('configmaps');
  const leases: LeaseApi = {
    readNamespacedLease: ({ namespace, name }) => leaseStore.read(namespace, name),
    createNamespacedLease: ({ namespace, body }) => leaseStore.create(namespace, body),
    replaceNamespacedLease: ({ namespace, name, body }) => leaseStore.replace(namespace, name, body),
  };
  const configMaps: ConfigMapApi = {
    readNamespacedConfigMap: ({ namespace, name }, options) => configMapStore.read(namespace, name, options === METADATA_ONLY),
    createNamespacedConfigMap: ({ namespace, body }) => configMapStore.create(namespace, body),
    replaceNamespacedConfigMap: ({ namespace, name, body }) => configMapStore.replace(namespace, name, body),
  };
  return {
    leases,
    configMaps,
    leaseStore,
    configMapStore,
    calls,
    /** The next API calls fail with these errors, in order. */
    failNext(...errors: unknown[]) {
      failures.push(...errors);
    },
  };
}

export const silentLog = { debug() {}, info() {}, warn() {}, error() {} };
