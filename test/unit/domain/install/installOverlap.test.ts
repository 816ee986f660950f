import test from 'ava';
import {
  claimedBy,
  inScope,
  installedFirst,
  sharedNamespaces,
  type AdvertisedInstall,
  type InstallScope,
} from '../../../../src/domain/install/installOverlap.ts';
import { findCandidates } from '../../../../src/domain/selection/candidates.ts';
import { deployment, fakeCluster } from '../../fakes/fakeCluster.ts';
import { testSettings } from '../../fakes/settings.ts';

const NOW = new Date('2026-11-20T09:00:00Z');
const scope = (install: string, over: Partial<InstallScope> = {}): InstallScope => ({
  install,
  include: [],
  exclude: [],
  protected: ['kube-system'],
  selector: '',
  ...over,
});
const at = (iso: string) => new Date(iso);

// The finding's two releases: one including shared and xonly, one including shared.
const first: AdvertisedInstall = {
  ...scope('havoc-a/kube-havoc-state', { include: ['shared', 'xonly'] }),
  since: at('2026-11-01'),
};
const second: AdvertisedInstall = { ...scope('havoc-b/kube-havoc-state', { include: ['shared'] }), since: at('2026-11-10') };

const sharedCases: [string, InstallScope, InstallScope, readonly string[] | 'all'][] = [
  ['two include lists: their intersection', first, second, ['shared']],
  ['a cluster-wide install and a list: the list', scope('a'), second, ['shared']],
  ['both cluster-wide: every namespace', scope('a'), scope('b'), 'all'],
  ['disjoint lists: none', first, scope('b', { include: ['other'] }), []],
  ['excluded by one: not shared', scope('a', { exclude: ['shared'] }), second, []],
  ['protected by one: not shared', scope('a', { protected: ['shared'] }), second, []],
];
for (const [name, a, b, shared] of sharedCases) {
  test(`shared namespaces: ${name}`, (t) => {
    t.deepEqual(sharedNamespaces(a, b), shared);
    t.deepEqual(sharedNamespaces(b, a), shared);
  });
}

test('a selector decides with the labels when known, and counts as matching when they are not', (t) => {
  const selective = scope('a', { selector: 'chaos=allowed' });
  t.true(inScope(selective, 'shop', { name: 'shop', labels: { chaos: 'allowed' } }));
  t.false(inScope(selective, 'shop', { name: 'shop', labels: {} }));
  t.true(inScope(selective, 'shop', undefined), 'unknown labels: never miss an overlap');
  t.true(
    inScope(scope('a', { selector: 'not a (selector' }), 'shop', { name: 'shop', labels: {} }),
    'unparsable: every namespace',
  );
});

test('installed first: the earlier install time, then the smaller name; not yet advertised counts as last', (t) => {
  t.true(installedFirst(first, second));
  t.false(installedFirst(second, first));
  const twin = { ...second, since: first.since };
  t.true(installedFirst(first, twin), 'same time: havoc-a < havoc-b');
  t.false(installedFirst(twin, first));
  const fresh = scope('havoc-c/kube-havoc-state');
  t.true(installedFirst(second, fresh));
  t.false(installedFirst(fresh, second));
});

test('the install installed later refuses the shared namespace, and only that one', (t) => {
  t.is(claimedBy(second, [first], 'shared', undefined), 'havoc-a/kube-havoc-state');
  t.is(claimedBy(first, [second], 'shared', undefined), undefined, 'the first keeps it');
  t.is(claimedBy(first, [second], 'xonly', undefined), undefined);
  t.is(claimedBy(second, [first, second], 'shared', undefined), 'havoc-a/kube-havoc-state', 'itself is no claim');
});

test('selection: a workload in a namespace an earlier install acts on is not a candidate; one elsewhere is', async (t) => {
  // This install covers shared and xonly and was installed after one that covers shared.
  const base = testSettings({ HAVOC_NAMESPACES_INCLUDE: 'shared,xonly' });
  const own = { ...scope('havoc-c/kube-havoc-state', { include: ['shared', 'xonly'] }), since: at('2026-11-15') };
  const claims = { claimedBy: (ns: string) => claimedBy(own, [second], ns, undefined) };
  const settings = { ...base, namespaces: { ...base.namespaces, claims } };
  const optedIn = { 'havoc/enabled': 'true' };
  const cluster = fakeCluster([deployment('shared', 'checkout', 2, optedIn, NOW), deployment('xonly', 'cart', 2, optedIn, NOW)]);
  const found = findCandidates(await cluster.snapshot(), settings, [], NOW);
  t.deepEqual(
    found.eligible.map((c) => c.workload.ref.name),
    ['cart'],
  );
});
