import test from 'ava';
import { renderStatus } from '../../../src/cli/statusReport.ts';
import type { Attempt } from '../../../src/domain/history/attempts.ts';
import { testSettings } from '../fakes/settings.ts';

const NOW = new Date('2026-11-20T10:00:00Z');
const record = (minutesAgo: number, dryRun: boolean) => ({
  id: `${minutesAgo}${dryRun}`,
  at: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
  target: 'shop/Deployment/web',
  action: 'pod-evict' as const,
  result: 'killed' as const,
  dryRun,
  count: 1,
});
/** The same kill as the durable history tells it (the state's record keeps only what the budget needs). */
const attempt = (minutesAgo: number, dryRun: boolean, recovery?: Attempt['recovery']): Attempt => ({
  at: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
  namespace: 'shop',
  kind: 'Deployment',
  workload: 'web',
  action: 'pod-evict',
  result: 'killed',
  dryRun,
  count: 1,
  victims: ['web-1'],
  reason: 'opted in',
  ...(recovery === undefined ? {} : { recovery }),
});

test('status shows the kill switch, both budgets and the recent kills, newest first', (t) => {
  const text = renderStatus(
    {
      kills: [record(90, false), record(10, false), record(5, true)],
      paused: { reason: 'game day', by: 'sre', at: NOW.toISOString() },
    },
    testSettings(),
    NOW,
    [attempt(5, true), attempt(10, false), attempt(90, false)],
  );
  t.regex(text, /^Chaos is PAUSED since 2026-11-20T10:00:00.000Z by sre: game day/);
  t.regex(text, /Budget left \(live\): 2\/3 this hour, 8\/10 in the last 24 h/);
  t.regex(text, /Budget left \(dry run\): 2\/3 this hour, 9\/10 in the last 24 h/);
  const kills = text.split('\n').filter((l) => l.includes('shop/Deployment/web'));
  t.is(kills.length, 3);
  t.regex(kills[0] ?? '', /09:55:00.000Z.*\[dry run\]/);
});

test("status shows each kill's recovery verdict once the check has ended", (t) => {
  const text = renderStatus({ kills: [] }, testSettings(), NOW, [
    attempt(1, false),
    attempt(20, false, { at: NOW.toISOString(), recovered: false, seconds: 300 }),
    attempt(30, false, { at: NOW.toISOString(), recovered: true, seconds: 14.2 }),
  ]);
  const kills = text.split('\n').filter((l) => l.includes('shop/Deployment/web'));
  t.deepEqual(
    kills.map((l) => /(recovered in \S+|NOT recovered after \S+)$/.exec(l)?.[0] ?? 'pending'),
    ['pending', 'NOT recovered after 5m', 'recovered in 14s'],
  );
});

test('status shows the steady-state hypothesis verdict next to the recovery verdict', (t) => {
  const hypothesis = { verdict: 'violated' as const, detail: 'VIOLATED: errors < 0.01 returned no result; value seen: 0.2' };
  const text = renderStatus({ kills: [] }, testSettings(), NOW, [
    attempt(30, false, { at: NOW.toISOString(), recovered: true, seconds: 14.2, hypothesis }),
  ]);
  t.regex(text, /recovered in 14s; hypothesis VIOLATED: errors < 0\.01 returned no result; value seen: 0\.2$/m);
});

test('status without kills says so', (t) => {
  t.regex(
    renderStatus({ kills: [] }, testSettings({ HAVOC_DRY_RUN: 'true' }), NOW, []),
    /Chaos is active \(dry run[^\n]*\n.*\n.*\n.*\n\nNo kills recorded/,
  );
});

test("status uses the running daemon's settings from the state, not this command's defaults", (t) => {
  const daemon = {
    by: 'kube-havoc-0@2026-11-20T08:00:00.000Z',
    since: '2026-11-20T08:00:01.000Z',
    dryRun: false,
    caps: { perTick: 1, perHour: 5, perDay: 20 },
  };
  const text = renderStatus({ kills: [record(10, false)], daemon }, testSettings({ HAVOC_DRY_RUN: 'true' }), NOW, []);
  t.regex(text, /^Chaos is active\.\n/, 'the daemon is live although the CLI default is a dry run');
  t.regex(text, /Acting daemon: kube-havoc-0@2026-11-20T08:00:00.000Z, since 2026-11-20T08:00:01.000Z, LIVE/);
  t.regex(text, /Budget left \(live\): 4\/5 this hour, 19\/20 in the last 24 h/);
});

test('status says how to lift a kubectl pause (the annotation), and names no annotation for a CLI pause', (t) => {
  const pause = { reason: 'incident 9', by: 'bob', at: NOW.toISOString() };
  const annotated = renderStatus({ kills: [], paused: { ...pause, source: 'annotation' } }, testSettings(), NOW, []);
  t.regex(
    annotated,
    /^Chaos is PAUSED since .* by bob: incident 9 \(kubectl annotation havoc\/pause on the state ConfigMap; remove it/,
  );
  t.notRegex(renderStatus({ kills: [], paused: pause }, testSettings(), NOW, []), /annotation/);
});
