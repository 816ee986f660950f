// A Slack 429 is waited out as its Retry-After says, within bounds, and the
// message is then delivered; a wait beyond the bound, or more 429s than the
// retries, fail the message (reported, never blocking the loop).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { retryAfterMs } from '../../../../src/adapters/slack/retryAfterFetch.ts';
import { createSlackNotifier } from '../../../../src/adapters/slack/slackNotifier.ts';
import type { Notification } from '../../../../src/adapters/notify/notifier.ts';

const NOTE: Notification = {
  topic: 'kill',
  tone: 'warning',
  title: 'Evicted shop/checkout-1',
  summary: 'Evicted shop/checkout-1',
  fields: [],
  cluster: 'prod',
  dryRun: false,
  at: new Date('2026-11-20T09:00:00Z'),
};

/** Answers each POST with the next scripted status and Retry-After; 200 when the script is used up. */
async function slack(t: ExecutionContext, script: { status: number; retryAfter?: string }[]) {
  let requests = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const next = script[requests] ?? { status: 200 };
      requests += 1;
      response.writeHead(next.status, next.retryAfter === undefined ? {} : { 'Retry-After': next.retryAfter });
      response.end(next.status === 429 ? 'rate_limited' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const slept: number[] = [];
  const notifier = createSlackNotifier({
    webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/secret`,
    timeoutMs: 5000,
    retry: { retries: 2, backoffMs: 1, maxBackoffMs: 2 },
    maxRetryAfterMs: 30_000,
    sleep: async (ms) => {
      slept.push(ms);
    },
  });
  return { notifier, slept, requests: () => requests };
}

test('a 429 with Retry-After: 2 is waited out for 2 s, then the message is delivered', async (t) => {
  const s = await slack(t, [{ status: 429, retryAfter: '2' }]);
  await s.notifier.send(NOTE);
  t.deepEqual(s.slept, [2000]);
  t.is(s.requests(), 2);
});

test('a Retry-After beyond the bound fails the message at once, without asking Slack again early', async (t) => {
  const s = await slack(t, [{ status: 429, retryAfter: '3600' }]);
  const error = await t.throwsAsync(s.notifier.send(NOTE));
  t.regex(error?.message ?? '', /429/);
  t.false(error?.message.includes('secret'), 'the webhook path stays redacted');
  t.deepEqual(s.slept, []);
  t.is(s.requests(), 1);
});

test('429s beyond the retries fail the message: the waits are bounded in number too', async (t) => {
  const s = await slack(t, [
    { status: 429, retryAfter: '1' },
    { status: 429, retryAfter: '1' },
    { status: 429, retryAfter: '1' },
  ]);
  await t.throwsAsync(s.notifier.send(NOTE), { message: /429/ });
  t.deepEqual(s.slept, [1000, 1000]);
  t.is(s.requests(), 3);
});

test('a 429 without Retry-After is final, as before', async (t) => {
  const s = await slack(t, [{ status: 429 }]);
  await t.throwsAsync(s.notifier.send(NOTE), { message: /429/ });
  t.is(s.requests(), 1);
});

test('Retry-After is seconds or an HTTP date', (t) => {
  const now = Date.parse('2026-11-20T09:00:00Z');
  t.is(retryAfterMs('7', now), 7000);
  t.is(retryAfterMs('Fri, 20 Nov 2026 09:00:30 GMT', now), 30_000);
  t.is(retryAfterMs('Fri, 20 Nov 2026 08:00:00 GMT', now), 0);
  t.is(retryAfterMs('soon', now), undefined);
  t.is(retryAfterMs(null, now), undefined);
});
