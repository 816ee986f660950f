// A hand-written stand-in for the ConfigMap calls of the history store: merge
// patches of data keys, create, list by label selector (equality, in, notin)
// in pages, delete. Like the API server it refuses a ConfigMap whose data is
// over 1 MiB (422) and answers 404 and 409 where it would. Failures can be
// queued to simulate an API server that is away.

import type { V1ConfigMap, V1ConfigMapList } from '@kubernetes/client-node';
import type { HistoryConfigMapApi } from '../../../../src/adapters/kubernetes/configMapHistoryStore.ts';
import { dataBytes } from '../../../../src/adapters/kubernetes/configMapHistoryStore.ts';
import { statusError } from './fakeApiServer.ts';

export const MAX_CONFIGMAP_BYTES = 1024 * 1024;

function matches(labels: Record<string, string>, selector: string): boolean {
  // Split on the commas outside parentheses.
  const terms = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return terms.every((term) => {
    const set = /^\s*(\S+)\s+(in|notin)\s+\(([^)]*)\)\s*$/.exec(term);
    if (set) {
      const values = (set[3] ?? '').split(',').map((v) => v.trim());
      const has = values.includes(labels[set[1] ?? ''] ?? '\u0000');
      return set[2] === 'in' ? has : !has;
    }
    const [key, value] = term.split('=');
    return labels[key?.trim() ?? ''] === value?.trim();
  });
}

export function createFakeHistoryApi() {
  const objects = new Map<string, V1ConfigMap>();
  const failures: unknown[] = [];
  const calls: string[] = [];
  const copy = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;
  const fail = () => {
    const failure = failures.shift();
    if (failure !== undefined) throw failure;
  };
  const tooLarge = (name: string, data: Record<string, string> | undefined) => {
    if (dataBytes(data) > MAX_CONFIGMAP_BYTES)
      throw statusError(422, `ConfigMap "${name}" is invalid: []: Too long: must have at most 1048576 bytes`, {
        reason: 'Invalid',
      });
  };
  const api: HistoryConfigMapApi = {
    async patchNamespacedConfigMap(request) {
      calls.push(`patch ${request.name}`);
      fail();
      const found = objects.get(request.name);
      if (found === undefined) throw statusError(404, `configmaps "${request.name}" not found`, { reason: 'NotFound' });
      const data = { ...found.data, ...(request.body as { data: Record<string, string> }).data };
      tooLarge(request.name, data);
      objects.set(request.name, { ...found, data });
      return copy(objects.get(request.name) as V1ConfigMap);
    },
    async createNamespacedConfigMap(request) {
      const name = request.body.metadata?.name ?? '';
      calls.push(`create ${name}`);
      fail();
      if (objects.has(name)) throw statusError(409, `configmaps "${name}" already exists`, { reason: 'AlreadyExists' });
      tooLarge(name, request.body.data);
      objects.set(name, copy(request.body));
      return copy(request.body);
    },
    async listNamespacedConfigMap(request) {
      calls.push(`list ${request.labelSelector ?? ''}`);
      fail();
      const all = [...objects.values()]
        .filter((cm) => matches(cm.metadata?.labels ?? {}, request.labelSelector ?? ''))
        .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
      const start = Number(request._continue ?? 0);
      const limit = request.limit ?? all.length;
      const items = all.slice(start, start + limit).map(copy);
      const next = start + limit < all.length ? String(start + limit) : undefined;
      return { items, metadata: next === undefined ? {} : { _continue: next } } as V1ConfigMapList;
    },
    async deleteNamespacedConfigMap(request) {
      calls.push(`delete ${request.name}`);
      fail();
      if (!objects.delete(request.name)) throw statusError(404, `configmaps "${request.name}" not found`, { reason: 'NotFound' });
      return {};
    },
  };
  return { api, objects, failures, calls };
}
