// A NodeDrainer over the fake cluster's nodes: the drain mark lives on the
// node object, as with the real one, so a new round (a restarted daemon)
// finds it and gives the node back. A hanging drain stopped by its signal (the
// daemon stopping) gives its node back at once, as the real one does.

import type { KillOutcome, NodeInfo } from '../../../src/domain/model.ts';
import { drainAnnotations } from '../../../src/domain/nodes/nodeFilters.ts';
import type { NodeDrainer } from '../../../src/domain/ports.ts';
import type { FakeCluster } from './fakeCluster.ts';

export function node(name: string, over: Partial<NodeInfo> = {}): NodeInfo {
  return {
    name,
    uid: `uid-${name}`,
    labels: { 'havoc/enabled': 'true' },
    annotations: {},
    taints: [],
    ready: true,
    unschedulable: false,
    ...over,
  };
}

export function fakeDrainer(
  cluster: FakeCluster,
  prefix = 'havoc',
): NodeDrainer & { drained: string[]; outcome?: KillOutcome; hang?: boolean } {
  const keys = drainAnnotations(prefix);
  const update = (name: string, change: (n: NodeInfo) => NodeInfo) => {
    cluster.nodes = cluster.nodes.map((n) => (n.name === name ? change(n) : n));
  };
  const drainer: NodeDrainer & { drained: string[]; outcome?: KillOutcome; hang?: boolean } = {
    drained: [],
    async drain(target, options) {
      drainer.drained.push(target.name);
      if (options.dryRun) return { result: 'killed' };
      update(target.name, (n) => ({
        ...n,
        unschedulable: true,
        annotations: { ...n.annotations, [keys.by]: 'kube-havoc', [keys.until]: options.until.toISOString() },
      }));
      if (drainer.hang) {
        await new Promise<void>((resolve) => options.signal.addEventListener('abort', () => resolve()));
        update(target.name, (n) => {
          const { [keys.by]: _by, [keys.until]: _until, ...rest } = n.annotations;
          return { ...n, unschedulable: false, annotations: rest };
        });
        return { result: 'failed', detail: 'daemon stopping mid-drain, after 0 eviction(s); node uncordoned' };
      }
      return drainer.outcome ?? { result: 'killed' };
    },
    async pods(name) {
      return cluster.workloads.flatMap((w) =>
        w.pods
          .filter((p) => p.nodeName === name)
          .map((p) => ({ key: `${p.namespace}/${p.name}`, workload: w.ref, terminating: p.terminating })),
      );
    },
    async isDrained(name) {
      return cluster.nodes.some((n) => n.name === name && n.annotations[keys.by] === 'kube-havoc');
    },
    async giveBack(now) {
      const due = cluster.nodes.filter(
        (n) => n.annotations[keys.by] !== undefined && Date.parse(n.annotations[keys.until] ?? '') <= now.getTime(),
      );
      for (const n of due) {
        update(n.name, (x) => {
          const { [keys.by]: _by, [keys.until]: _until, ...rest } = x.annotations;
          return { ...x, unschedulable: x.annotations[keys.keep] === 'true', annotations: rest };
        });
      }
      return due.map((n) => ({ name: n.name, uncordoned: n.annotations[keys.keep] !== 'true' }));
    },
  };
  return drainer;
}
