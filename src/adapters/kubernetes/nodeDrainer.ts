// Drains a node like `kubectl drain`, and gives it back. The drain's state is
// written on the node (who cordoned it, until when), so whichever daemon runs
// next uncordons it on time, also after a crash mid-drain. Give-back is a
// JSON patch that first tests our mark: a node someone else cordoned, or
// re-cordoned after us and removed the mark, is never uncordoned by us; one
// an administrator annotated `<prefix>/keep-cordoned=true` loses only our mark.

import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import type { KillOutcome, NodeInfo } from '../../domain/model.ts';
import { drainAnnotations } from '../../domain/nodes/nodeFilters.ts';
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
}

const MARK = 'kube-havoc';
const escape = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

export function createNodeDrainer(options: NodeDrainerOptions): NodeDrainer {
  const api = options.api ?? options.kubeConfig?.makeApiClient(CoreV1Api);
  if (api === undefined) throw new Error('createNodeDrainer needs kubeConfig or api');
  const keys = drainAnnotations(options.labelPrefix);
  const { clock } = options;
  const poll = (options.pollSeconds ?? 2) * 1000;

  const podsOn = async (name: string): Promise<V1Pod[]> => {
    const list = await api.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` });
    return list.items;
  };

  /** `keep`: an administrator wants the node to stay cordoned; only our mark goes. */
  const uncordon = async (name: string, dryRun: boolean, keep = false): Promise<boolean> => {
    const body = [
      { op: 'test', path: `/metadata/annotations/${escape(keys.by)}`, value: MARK },
      { op: 'remove', path: `/metadata/annotations/${escape(keys.by)}` },
      { op: 'remove', path: `/metadata/annotations/${escape(keys.until)}` },
      ...(keep ? [] : [{ op: 'replace', path: '/spec/unschedulable', value: false }]),
    ];
    try {
      await api.patchNode(
        { name, body, ...(dryRun ? { dryRun: 'All' } : {}) },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
      return true;
    } catch (error) {
      // 422: the test op failed, the mark is not ours (or gone); 404: the node is gone.
      if (httpStatus(error) === 422 || httpStatus(error) === 404) return false;
      throw toKubernetesError(error, `uncordon node ${name}`);
    }
  };

  const evictAll = async (node: NodeInfo, { dryRun, signal, pass }: DrainOptions): Promise<KillOutcome> => {
    const deadline = clock.now().getTime() + options.drainTimeoutSeconds * 1000;
    const firstTry = new Map<string, number>();
    const lastWhy = new Map<string, string>();
    let evicted = 0;
    let leaving = 0;
    let blockers = new Map<string, string>();
    for (;;) {
      const pods = await podsOn(node.name);
      const verdict = await pass?.(pods.map(drainCandidate));
      if (verdict !== undefined && 'stop' in verdict)
        return { result: 'failed', detail: `drain stopped after ${evicted} eviction(s): ${verdict.stop}` };
      const held = verdict?.hold ?? new Map<string, string>();
      const plan = planDrain(pods, options);
      // In a dry run nothing leaves, so every pod is tried once.
      const remaining = plan.evict.filter((p) => !(dryRun && firstTry.has(podKey(p))));
      leaving = plan.skipped.filter((s) => s.why === 'already terminating').length;
      if (remaining.length === 0 && (leaving === 0 || dryRun)) break;
      blockers = new Map();
      for (const pod of remaining) {
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
        const info = toPodInfo(pod as RawPod);
        const outcome = await options.evictor.kill(info, { kind: 'Pod', namespace: info.namespace, name: info.name }, { dryRun });
        if (outcome.result === 'killed') evicted++;
        else if (outcome.result !== 'already-gone') {
          const why = `${outcome.result}: ${outcome.detail ?? ''}`.trim();
          blockers.set(key, why);
          lastWhy.set(key, why);
        }
      }
      if (dryRun) break;
      const givenUp = [...blockers.values()].filter((b) => b.includes('gave up after')).length;
      if (givenUp > 0 && givenUp === remaining.length) break;
      if (signal.aborted)
        return { result: 'failed', detail: 'daemon stopping mid-drain; the node stays cordoned until its give-back time' };
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
      const cordon = {
        metadata: { annotations: { [keys.by]: MARK, [keys.until]: until.toISOString() } },
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
      // A drain that did not finish gives the node back at once; a finished
      // one keeps it cordoned until `until` (give-back on a later tick).
      if (outcome.result !== 'killed' && !signal.aborted && !dryRun) {
        const released = await uncordon(node.name, false).catch(() => false);
        outcome = {
          ...outcome,
          detail: `${outcome.detail ?? ''}; node ${released ? 'uncordoned' : 'NOT uncordoned: give-back will retry'}`,
        };
      }
      return outcome;
    },

    async isDrained(name) {
      try {
        return (await api.readNode({ name })).metadata?.annotations?.[keys.by] === MARK;
      } catch (error) {
        if (httpStatus(error) === 404) return false;
        throw toKubernetesError(error, `read node ${name}`);
      }
    },

    // Also in a dry run: a mark on a node is always from a live drain (a dry
    // run never writes one), perhaps from before the switch to dry run.
    async giveBack(now) {
      const nodes = options.watchedNodes?.() ?? (await api.listNode()).items;
      const due = nodes.filter((n) => {
        const annotations = n.metadata?.annotations ?? {};
        if (annotations[keys.by] !== MARK) return false;
        const until = Date.parse(annotations[keys.until] ?? '');
        return Number.isNaN(until) || until <= now.getTime();
      });
      const released: NodeRelease[] = [];
      for (const n of due) {
        const name = n.metadata?.name ?? '';
        const keep = n.metadata?.annotations?.[keys.keep] === 'true';
        if (await uncordon(name, false, keep)) released.push({ name, uncordoned: !keep });
      }
      return released;
    },
  };
}
