// ava's `test` for a file whose scenarios share one control plane: started
// before the first test, stopped after the last even when a test (or the start)
// fails, so no etcd or kube-apiserver outlives the file.

import anyTest, { type TestFn } from 'ava';
import { startCluster, type Cluster, type StartClusterOptions } from './cluster.ts';

export type ClusterTest = TestFn<{ cluster: Cluster }>;

export function clusterTest(options: StartClusterOptions): ClusterTest {
  const test = anyTest as ClusterTest;
  test.before(async (t) => {
    t.context.cluster = await startCluster(options);
  });
  test.after.always(async (t) => {
    await t.context.cluster?.stop();
  });
  return test;
}
