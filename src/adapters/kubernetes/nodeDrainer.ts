// Drains a node like `kubectl drain`, and gives it back. The drain's state is
// written on the node (which install cordoned it, until when), so whichever
// daemon of that install runs next uncordons it on time, also after a crash
// mid-drain. Give-back is a JSON patch that first tests our mark: a node
// someone else cordoned (another install too), or re-cordoned after us and
// removed the mark, is never uncordoned by us; one an administrator annotated
// `<prefix>/keep-cordoned=true` loses only our mark. A drain stopped before it
// finished (a limit, or the daemon stopping) gives its node back at once.

import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import type { KillOutcome, NodeInfo } from '../../domain/model.ts';
import { drainAnnotations } from '../../domain/nodes/nodeFilters.ts';
import { givesBack, markSelector, type DrainMark } from './drainMark.ts';
import type { Clock, DrainOptions, NodeDrainer, NodeRelease, PodKiller } from '../../domain/ports.ts';
import { drainCandidate, planDrain, podKey, type DrainRules } from './drainPlan.ts';
import { httpStatus, toKubernetesError } from './errors.ts';
import { toPodInfo, type RawPod } from './toWorkload.ts';

export type NodeDrainApi = Pick<CoreV1Api, 'readNode' | 'patchNode' | 'listNode' | 'listPodForAllNamespaces'>;

export interface NodeDrainerOptions extends DrainRules {
  readonly kubeConfig?: KubeConfig;
  /** Used instead of a client made from kubeConfig (tests). */
  readonly api?: NodeDrainApi;
  /** Evicts one pod (the same killer as pod chaos, with method evict). */
  readonly evictor: PodKiller;
  readonly labelPrefix: string;
  readonly drainTimeoutSeconds: number;
  readonly podEvictionTimeoutSeconds: number;
  readonly pollSeconds?: number;
  readonly clock: Clock;
  /**
   * The nodes as a watch holds them, so give-back (every tick and every 30 s)
   * costs no request; undefined while that view cannot be trusted, and then
   * the nodes are listed. Stale is harmless: the uncordon patch tests our mark.
   */
  readonly watchedNodes?: () => readonly V1Node[] | undefined;
  /** The install's mark, written on the nodes it drains. */
  readonly mark: DrainMark;
  /**
   * The watched view holds only the nodes labelled with this install's mark
   * (node chaos off). The first give-back then lists every node once, for
   * marks from before the label; later lists select the label.
   */
  readonly markedOnly?: boolean;
}
const escape = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

export function createNodeDrainer(options: NodeDrainerOptions): NodeDrainer {
  const api = options.api ?? options.kubeConfig?.makeApiClient(CoreV1Api);
  if (api === undefined) throw new Error('createNodeDrainer needs kubeConfig or api');
  const keys = drainAnnotations(options.labelPrefix);
  const { clock } = options;
  const poll = (options.pollSeconds ?? 2) * 1000;
  // Whether the first give-back's list of every node (markedOnly) was made: once per process, whatever its answer.
  let scanned = !options.markedOnly;
  /**
   * The nodes give-back looks at. Without node chaos nothing here polls: after the one list of every node, only the
   * watched view; while that cannot be trusted its watch reports so (once) and retries, and give-back waits for it.
   */
  const nodesToCheck = async (): Promise<readonly V1Node[]> => {
    if (!scanned) {
      scanned = true;
      return (await api.listNode()).items;
    }
    const view = options.watchedNodes?.();
    if (view !== undefined) return view;
    if (options.markedOnly && options.watchedNodes !== undefined) return [];
    return (await api.listNode(options.markedOnly ? { labelSelector: markSelector(options.labelPrefix, options.mark) } : {}))
      .items;
  };

  const podsOn = async (name: string): Promise<V1Pod[]> => {
    const list = await api.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` });
    return list.items;
  };

  /**
   * Removes the mark `node` shows (annotations, and the label when it has one) and, unless `keep` (an administrator
   * wants it to stay cordoned), uncordons. The view may be stale: the patch tests the mark, and when the test fails
   * the node is read once, fresh.
   */
  const uncordon = async (node: V1Node, keep: boolean, fresh = false): Promise<boolean> => {
    const name = node.metadata?.name ?? '';
    const value = node.metadata?.annotations?.[keys.by];
    if (!givesBack(options.mark, value)) return false;
    const labelled = node.metadata?.labels?.[keys.by] !== undefined;
    const body = [
      { op: 'test', path: `/metadata/annotations/${escape(keys.by)}`, value },
      { op: 'remove', path: `/metadata/annotations/${escape(keys.by)}` },
      { op: 'remove', path: `/metadata/annotations/${escape(keys.until)}` },
      ...(labelled ? [{ op: 'remove', path: `/metadata/labels/${escape(keys.by)}` }] : []),
      ...(keep ? [] : [{ op: 'replace', path: '/spec/unschedulable', value: false }]),
    ];
    try {
      await api.patchNode({ name, body }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
      return true;
    } catch (error) {
      // 422: a test or remove failed (the mark changed since the view); 404: the node is gone.
      if (httpStatus(error) === 422 && !fresh) return uncordon(await api.readNode({ name }), keep, true);
      if (httpStatus(error) === 422 || httpStatus(error) === 404) return false;
      throw toKubernetesError(error, `uncordon node ${name}`);
    }
  };

  const evictAll = async (node: NodeInfo, { dryRun, signal, pass, stopNow }: DrainOptions): Promise<KillOutcome> => {
    const deadline = clock.now().getTime() + options.drainTimeoutSeconds * 1000;
    const firstTry = new Map<string, number>();
    const lastWhy = new Map<string, string>();
    let evicted = 0;
    let leaving = 0;
    let blockers = new Map<string, string>();
    const stopped = (why: string): KillOutcome => ({
      result: 'failed',
      detail: `drain stopped after ${evicted} eviction(s): ${why}`,
    });
    for (;;) {
      if (signal.aborted) return { result: 'failed', detail: `daemon stopping mid-drain, after ${evicted} eviction(s)` };
      const pods = await podsOn(node.name);
      const verdict = await pass?.(pods.map(drainCandidate));
      if (verdict !== undefined && 'stop' in verdict) return stopped(verdict.stop);
      const held = verdict?.hold ?? new Map<string, string>();
      const plan = planDrain(pods, options);
      // In a dry run nothing leaves, so every pod is tried once.
      const remaining = plan.evict.filter((p) => !(dryRun && firstTry.has(podKey(p))));
      leaving = plan.skipped.filter((s) => s.why === 'already terminating').length;
      if (remaining.length === 0 && (leaving === 0 || dryRun)) break;
      blockers = new Map();
      for (const pod of remaining) {
        // A stopping daemon leaves at most the eviction in flight: the give-back must fit the pod's termination grace.
        if (signal.aborted) break;
        const key = podKey(pod);
        const first = firstTry.get(key) ?? clock.now().getTime();
        firstTry.set(key, first);
        if (clock.now().getTime() - first > options.podEvictionTimeoutSeconds * 1000) {
          blockers.set(key, `${lastWhy.get(key) ?? 'not evicted'}; gave up after ${options.podEvictionTimeoutSeconds}s`);
          continue;
        }
        // Held back like a PodDisruptionBudget would: its workload may lose no more now; a later pass tries again.
        const hold = held.get(key);
        if (hold !== undefined) {
          blockers.set(key, `blocked by the blast radius: ${hold}`);
          lastWhy.set(key, `blocked by the blast radius: ${hold}`);
          continue;
        }
        // A pass outlasts its verdict (each eviction takes up to writeTimeout): leadership and the window, asked
        // locally right before each eviction, so none follows the end of this replica's term.
        const refused = stopNow?.();
        if (refused !== undefined) return stopped(refused);
        const info = toPodInfo(pod as RawPod);
        const outcome = await options.evictor.kill(info, { kind: 'Pod', namespace: info.namespace, name: info.name }, { dryRun });
        if (outcome.result === 'killed') evicted++;
        else if (outcome.result !== 'already-gone') {
          const why = `${outcome.result}: ${outcome.detail ?? ''}`.trim();
          blockers.set(key, why);
          lastWhy.set(key, why);
        }
      }
      if (signal.aborted) continue;
      if (dryRun) break;
      const givenUp = [...blockers.values()].filter((b) => b.includes('gave up after')).length;
      if (givenUp > 0 && givenUp === remaining.length) break;
      if (clock.now().getTime() >= deadline) break;
      await clock.sleep(poll, signal);
    }
    const done = `${evicted} pod(s) evicted${dryRun ? ' (dry run)' : ''}`;
    if (blockers.size === 0 && leaving > 0 && !dryRun)
      blockers.set(`${leaving} pod(s)`, 'still terminating at the drain timeout');
    if (blockers.size === 0) return { result: 'killed', detail: done };
    const list = [...blockers].map(([pod, why]) => `${pod} (${why})`).join('; ');
    const byBudget = [...blockers.values()].some((b) => b.startsWith('blocked'));
    return { result: byBudget ? 'blocked' : 'failed', detail: `${done}; drain did not finish: ${list}` };
  };

  return {
    async drain(node, drainOptions: DrainOptions) {
      const { dryRun, until, signal } = drainOptions;
      if (signal.aborted) return { result: 'failed', detail: `daemon stopping; node ${node.name} not drained` };
      const fresh: V1Node = await api.readNode({ name: node.name });
      if (fresh.spec?.unschedulable)
        return { result: 'failed', detail: `node ${node.name} is already cordoned by someone else; not draining it` };
      const plan = planDrain(await podsOn(node.name), options);
      if (plan.refused.length > 0) {
        return {
          result: 'blocked',
          detail: `not draining ${node.name}: ${plan.refused.map((r) => `${r.pod} ${r.why}`).join('; ')}`,
        };
      }
      // The node and its pods were read since the reservation: ask again, locally, before the first mutation.
      const refused = drainOptions.stopNow?.();
      if (refused !== undefined) return { result: 'failed', detail: `node ${node.name} not drained: ${refused}` };
      const cordon = {
        metadata: {
          labels: { [keys.by]: options.mark.label },
          annotations: { [keys.by]: options.mark.install, [keys.until]: until.toISOString() },
        },
        spec: { unschedulable: true },
      };
      await api.patchNode(
        { name: node.name, body: cordon, ...(dryRun ? { dryRun: 'All' } : {}) },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      let outcome: KillOutcome;
      try {
        outcome = await evictAll(node, drainOptions);
      } catch (error) {
        outcome = { result: 'failed', detail: toKubernetesError(error, `drain node ${node.name}`).message };
      }
      // A drain that did not finish (also one stopped by the daemon's shutdown) gives the node back at once;
      // a finished one keeps it cordoned until `until` (give-back on a later tick, or by the next daemon).
      if (outcome.result !== 'killed' && !dryRun) {
        // Read fresh: an administrator may have asked meanwhile to keep the node cordoned.
        const release = async () => {
          const current = await api.readNode({ name: node.name });
          const keep = current.metadata?.annotations?.[keys.keep] === 'true';
          if (!(await uncordon(current, keep))) return 'NOT uncordoned: give-back will retry';
          return keep ? `left cordoned as an administrator asked (${keys.keep}), mark removed` : 'uncordoned';
        };
        const released = await release().catch(() => 'NOT uncordoned: give-back will retry');
        outcome = { ...outcome, detail: `${outcome.detail ?? ''}; node ${released}` };
      }
      return outcome;
    },

    pods: async (name) => (await podsOn(name)).map(drainCandidate),

    async isDrained(name) {
      try {
        return givesBack(options.mark, (await api.readNode({ name })).metadata?.annotations?.[keys.by]);
      } catch (error) {
        if (httpStatus(error) === 404) return false;
        throw toKubernetesError(error, `read node ${name}`);
      }
    },

    // Also in a dry run: a mark on a node is always from a live drain (a dry
    // run never writes one), perhaps from before the switch to dry run.
    async giveBack(now) {
      const due = (await nodesToCheck()).filter((n) => {
        const annotations = n.metadata?.annotations ?? {};
        if (!givesBack(options.mark, annotations[keys.by])) return false;
        const until = Date.parse(annotations[keys.until] ?? '');
        return Number.isNaN(until) || until <= now.getTime();
      });
      const released: NodeRelease[] = [];
      for (const n of due) {
        const keep = n.metadata?.annotations?.[keys.keep] === 'true';
        if (await uncordon(n, keep)) released.push({ name: n.metadata?.name ?? '', uncordoned: !keep });
      }
      return released;
    },
  };
}
