import test from 'ava';
import { parseCommandLine } from '../../../src/cli/args.ts';
import { installFor, pauseCommands, requester, resolveInstall, type InstallChoice } from '../../../src/cli/install.ts';

const BASE: InstallChoice = { configNamespace: 'kube-havoc', defaultNamespace: 'kube-havoc', stateConfigMap: 'kube-havoc-state' };

test('the namespace of the install: -n, then a configured one, then the kubeconfig context, then the default', (t) => {
  const cases: [Partial<InstallChoice>, string, string][] = [
    [{ flagNamespace: 'havoc', contextNamespace: 'shop', configNamespace: 'chaos' }, 'havoc', 'flag'],
    [{ contextNamespace: 'shop', configNamespace: 'chaos' }, 'chaos', 'config'],
    [{ contextNamespace: 'havoc' }, 'havoc', 'kubeconfig context'],
    [{ contextNamespace: '' }, 'kube-havoc', 'default'],
    [{}, 'kube-havoc', 'default'],
  ];
  for (const [choice, namespace, from] of cases) {
    t.like(
      resolveInstall({ ...BASE, ...choice }),
      { namespace, namespaceFrom: from, stateConfigMap: 'kube-havoc-state' },
      JSON.stringify(choice),
    );
  }
  t.is(resolveInstall({ ...BASE, flagStateConfigMap: 'prod-state' }).stateConfigMap, 'prod-state');
});

test('the pause commands name the namespace and state ConfigMap, kubectl first; the CLI names the ConfigMap only when not the default', (t) => {
  t.deepEqual(pauseCommands({ namespace: 'havoc', stateConfigMap: 'kube-havoc-state' }, 'kube-havoc-state'), [
    'kubectl -n havoc annotate configmap kube-havoc-state --overwrite havoc/pause="<why>" havoc/paused-by="$USER"',
    'kube-havoc pause -n havoc --reason "<why>"',
  ]);
  t.deepEqual(pauseCommands({ namespace: 'havoc', stateConfigMap: 'eu-state' }, 'kube-havoc-state'), [
    'kubectl -n havoc annotate configmap eu-state --overwrite havoc/pause="<why>" havoc/paused-by="$USER"',
    'kube-havoc pause -n havoc --state-configmap eu-state --reason "<why>"',
  ]);
});

test('who pauses is a person: --by, $USER, the kubeconfig user; the host (a pod name under kubectl exec) only when nothing else names one', (t) => {
  t.is(requester({ by: 'alice', user: 'bob', kubeUser: 'oidc-carol', host: 'kube-havoc-7d9f-x2' }), 'alice');
  t.is(requester({ user: 'bob', kubeUser: 'oidc-carol', host: 'kube-havoc-7d9f-x2' }), 'bob');
  t.is(requester({ user: '', kubeUser: 'oidc-carol', host: 'kube-havoc-7d9f-x2' }), 'oidc-carol');
  t.is(requester({ host: 'kube-havoc-7d9f-x2' }), 'kube-havoc-7d9f-x2');
});

test('-n/--namespace and --state-configmap on pause, resume, status and plan; a bad name is named', (t) => {
  t.like(parseCommandLine(['pause', '-n', 'havoc', '--reason', 'incident 7']), {
    command: 'pause',
    namespace: 'havoc',
    reason: 'incident 7',
  });
  t.like(parseCommandLine(['status', '--namespace', 'havoc', '--state-configmap', 'eu-state']), {
    command: 'status',
    namespace: 'havoc',
    stateConfigMap: 'eu-state',
  });
  t.like(parseCommandLine(['resume', '-n', 'havoc']), { command: 'resume', namespace: 'havoc' });
  t.like(parseCommandLine(['plan', '-n', 'havoc']), { command: 'plan', namespace: 'havoc' });
  t.deepEqual(parseCommandLine(['status', '-n', 'Havoc_1']), {
    error: 'status: --namespace must be a Kubernetes name (lower-case letters, digits, \'-\'), got "Havoc_1"',
  });
  t.regex((parseCommandLine(['run', '-n', 'havoc']) as { error: string }).error, /run reads daemon.namespace from the config/);
  t.regex((parseCommandLine(['pause', '--help']) as { help: string }).help, /-n, --namespace NS/);
});

test('plan acts on daemon.namespace like run: never the kubeconfig context, which the kill-switch commands may use', (t) => {
  const choice: InstallChoice = { ...BASE, contextNamespace: 'shop' };
  t.like(installFor('plan', choice), { namespace: 'kube-havoc', namespaceFrom: 'default' });
  t.like(installFor('plan', { ...choice, configNamespace: 'chaos' }), { namespace: 'chaos', namespaceFrom: 'config' });
  t.like(installFor('plan', { ...choice, flagNamespace: 'havoc' }), { namespace: 'havoc', namespaceFrom: 'flag' });
  t.like(installFor('status', choice), { namespace: 'shop', namespaceFrom: 'kubeconfig context' });
});
