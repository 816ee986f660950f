// Self-check of the e2e control plane: proves the behaviours the suite relies
// on against a real cluster. Run: node test/e2e/harness/selfcheck.ts [nodes]
// Prints one line per check and a closing "N passed, N failed" line.
import { startCluster, tokenKubeconfig, waitFor } from './cluster.ts';
import { kwokDeployment } from './kwokDeployment.ts';
import type { Cluster } from './cluster.ts';

interface PodList {
  items: {
    metadata: { name: string; deletionTimestamp?: string };
    spec: { nodeName?: string };
    status: { phase?: string; conditions?: { type: string; status: string }[] };
  }[];
}

const APP = 'selfcheck';

async function readyPods(c: Cluster, ns: string): Promise<string[]> {
  const list = JSON.parse(await c.kubectl(['-n', ns, 'get', 'pods', '-l', `app=${APP}`, '-o', 'json'])) as PodList;
  return list.items
    .filter((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running' && p.spec.nodeName?.startsWith('kwok-node-'))
    .filter((p) => p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'))
    .map((p) => p.metadata.name);
}

async function evict(c: Cluster, ns: string, pod: string): Promise<string> {
  const body = JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: ns } });
  // -v=6 makes kubectl log the HTTP status line, so a 429 is seen as such.
  return c.kubectl(['-v=6', 'create', '--raw', `/api/v1/namespaces/${ns}/pods/${pod}/eviction`, '-f', '-'], body);
}

const nodes = Number(process.argv[2] ?? '3');
const results: [string, boolean, string][] = [];
async function check(name: string, fn: () => Promise<string>): Promise<void> {
  const t0 = Date.now();
  try {
    const note = await fn();
    results.push([name, true, note]);
    console.log(`ok   ${name} (${Date.now() - t0} ms) ${note}`);
  } catch (e) {
    results.push([name, false, String(e)]);
    console.log(`FAIL ${name} (${Date.now() - t0} ms): ${e instanceof Error ? e.message : String(e)}`);
  }
}

const t0 = Date.now();
const c = await startCluster({ nodes });
console.log(`cluster started in ${Date.now() - t0} ms: ${c.kubeconfig}`);
try {
  const ns = await c.createNamespace();
  await check(`${nodes} kwok nodes Ready`, async () => {
    const out = await c.kubectl([
      'get',
      'nodes',
      '-l',
      'type=kwok',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status} {end}',
    ]);
    const ready = out
      .trim()
      .split(' ')
      .filter((s) => s.endsWith('=True'));
    if (ready.length !== nodes) throw new Error(`nodes: ${out}`);
    return out.trim();
  });
  let first: string[] = [];
  await check('Deployment of 3 gets 3 Ready pods on kwok nodes', async () => {
    await c.kubectl(['apply', '-f', '-'], JSON.stringify(kwokDeployment({ namespace: ns, name: APP, replicas: 3 })));
    first = await waitFor(async () => ((await readyPods(c, ns)).length === 3 ? readyPods(c, ns) : undefined), {
      timeoutMs: 60_000,
      what: '3 ready pods',
    });
    return first.join(' ');
  });
  await check('deleted pod goes away and is replaced', async () => {
    const victim = first[0] ?? 'missing';
    await c.kubectl(['-n', ns, 'delete', 'pod', victim, '--wait=false']);
    await waitFor(async () => !(await c.kubectl(['-n', ns, 'get', 'pods', '-o', 'name'])).includes(`pod/${victim}\n`), {
      timeoutMs: 60_000,
      what: `${victim} gone`,
    });
    const now = await waitFor(
      async () => {
        const r = await readyPods(c, ns);
        return r.length === 3 && !r.includes(victim) ? r : undefined;
      },
      { timeoutMs: 60_000, what: '3 ready pods again' },
    );
    return `${victim} -> ${now.filter((p) => !first.includes(p)).join(' ')}`;
  });
  await check('eviction blocked by PDB maxUnavailable 0 returns 429', async () => {
    const pdb = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: APP, namespace: ns },
      spec: { maxUnavailable: 0, selector: { matchLabels: { app: APP } } },
    };
    await c.kubectl(['apply', '-f', '-'], JSON.stringify(pdb));
    await waitFor(
      async () =>
        (await c.kubectl(['-n', ns, 'get', 'pdb', APP, '-o', 'jsonpath={.status.expectedPods}/{.status.disruptionsAllowed}'])) ===
        '3/0',
      { timeoutMs: 30_000, what: 'PDB status 3/0' },
    );
    const pod = (await readyPods(c, ns))[0] ?? 'missing';
    try {
      await evict(c, ns, pod);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const status = msg.split('\n').find((l) => / 429 Too Many Requests /.test(l));
      if (status) return status.replace(/^.*(POST \S+ 429)/, '$1');
      throw e;
    }
    throw new Error('eviction was allowed');
  });
  await check('eviction allowed once the PDB permits it', async () => {
    await c.kubectl(['-n', ns, 'patch', 'pdb', APP, '--type=merge', '-p', '{"spec":{"maxUnavailable":1}}']);
    await waitFor(
      async () => (await c.kubectl(['-n', ns, 'get', 'pdb', APP, '-o', 'jsonpath={.status.disruptionsAllowed}'])) === '1',
      { timeoutMs: 30_000, what: 'PDB allows 1' },
    );
    const pod = (await readyPods(c, ns))[0] ?? 'missing';
    await evict(c, ns, pod);
    await waitFor(async () => !(await c.kubectl(['-n', ns, 'get', 'pods', '-o', 'name'])).includes(`pod/${pod}\n`), {
      timeoutMs: 60_000,
      what: `${pod} evicted`,
    });
    return `${pod} evicted`;
  });
  await check('events.k8s.io/v1 Event created and listed by kubectl get events', async () => {
    const pod = (await readyPods(c, ns))[0] ?? 'missing';
    const eventTime = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    const ev = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${pod}.selfcheck`, namespace: ns },
      eventTime,
      reportingController: 'kube-havoc.io/selfcheck',
      reportingInstance: 'selfcheck-1',
      action: 'Kill',
      reason: 'ChaosPodKill',
      type: 'Normal',
      note: 'selfcheck event',
      regarding: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: pod },
    };
    await c.kubectl(['create', '-f', '-'], JSON.stringify(ev));
    const out = await c.kubectl(['-n', ns, 'get', 'events']);
    if (!out.includes('ChaosPodKill')) throw new Error(`not listed:\n${out}`);
    return (
      out
        .split('\n')
        .find((l) => l.includes('ChaosPodKill'))
        ?.replace(/\s+/g, ' ') ?? ''
    );
  });
  await check('TokenRequest and RBAC: default SA token works, cannot delete pods', async () => {
    const token = (await c.kubectl(['-n', ns, 'create', 'token', 'default', '--duration=10m'])).trim();
    const kc = ['--kubeconfig', tokenKubeconfig(c, token)]; // later --kubeconfig wins
    const who = await c.kubectl([...kc, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    const can = await c
      .kubectl([...kc, '-n', ns, 'auth', 'can-i', 'delete', 'pods'])
      .catch((e: { stdout?: string }) => e.stdout ?? 'error');
    if (!who.includes(`system:serviceaccount:${ns}:default`) || can.trim() !== 'no') throw new Error(`${who} can-i=${can}`);
    return `${who} can-i delete pods: ${can.trim()}`;
  });
} finally {
  const s0 = Date.now();
  await c.stop();
  await c.stop(); // idempotent
  console.log(`cluster stopped in ${Date.now() - s0} ms`);
}
const failed = results.filter((r) => !r[1]).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
