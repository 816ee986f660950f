// /readyz's API condition from the daemon's own traffic: heard recently and
// nothing left unanswered since, every watch synced. The bound a stalled API
// server is noticed within comes from the watches' inactivity timeout.

import test from 'ava';
import { createApiContact } from '../../../../src/adapters/kubernetes/apiContact.ts';
import { createApiHealthCheck } from '../../../../src/adapters/kubernetes/apiHealth.ts';
import { INACTIVITY_MS } from '../../../../src/adapters/kubernetes/watchedCache.ts';
import { fakeClock } from '../../fakes/fakeClock.ts';

const setUp = () => {
  const clock = fakeClock(new Date('2025-06-06T10:00:00Z'));
  const contact = createApiContact({ clock, silentAfterMs: INACTIVITY_MS + 10_000 });
  return { clock, contact, health: createApiHealthCheck({ contact, cachesSynced: () => true }) };
};

test('a server heard within the silence bound is fresh; longer silence is stale, and the next answer fresh again', (t) => {
  const { clock, contact, health } = setUp();
  t.regex(health() ?? '', /nothing heard from the API server yet/, 'never heard: not ready');
  contact.heard();
  clock.advance(INACTIVITY_MS + 10_000);
  t.is(health(), undefined, 'a quiet healthy watch is heard at least once per inactivity timeout: still fresh');
  clock.advance(1000);
  t.is(health(), 'cluster view is stale: nothing heard from the API server for 101s');
  contact.heard();
  t.is(health(), undefined);
});

test('a request or watch left without an answer is stale at once, until the server is heard again', (t) => {
  const { contact, health } = setUp();
  contact.heard();
  contact.unanswered('watch pods with label havoc/enabled: nothing from the API server for 90s');
  t.is(health(), 'cluster view is stale: watch pods with label havoc/enabled: nothing from the API server for 90s');
  contact.unanswered('no answer from the API server within 10s (GET /api/v1/namespaces/havoc/configmaps/state)');
  t.regex(health() ?? '', /within 10s \(GET .*state\)$/, 'the latest one is told');
  contact.heard();
  t.is(health(), undefined);
});

test('a stalled API server is told within INACTIVITY_MS plus one check, whatever its last words were', (t) => {
  // The worst case: the server's last line came just before it stalled, and no request of the daemon's is due.
  // The watch's inactivity timeout fires INACTIVITY_MS later (the SDK reports it as a TimeoutError), the next
  // check of /readyz, at most 5 s later, sees it: not ready within 95 s, under the 2 minutes promised.
  const { clock, contact, health } = setUp();
  contact.heard();
  clock.advance(INACTIVITY_MS);
  contact.unanswered('watch deployments with label havoc/enabled: nothing from the API server for 90s');
  clock.advance(5000);
  t.not(health(), undefined);
  t.true(INACTIVITY_MS + 5000 <= 120_000);
});

test('a failing watch cache is stale whatever the traffic says', (t) => {
  const contact = createApiContact({ clock: fakeClock(new Date()), silentAfterMs: 100_000 });
  contact.heard();
  t.is(
    createApiHealthCheck({ contact, cachesSynced: () => false })(),
    'cluster view is stale: a watch is failing or not synced yet',
  );
});
