import test from 'ava';
import { summariseTap } from '../../../scripts/ci/concurrent-runs.ts';

const passing = [
  'TAP version 13',
  'ok 1 - clock › a',
  'ok 2 - clock › b',
  '',
  '1..2',
  '# tests 2',
  '# pass 2',
  '# fail 0',
  '',
].join('\n');

const failing = [
  'TAP version 13',
  'ok 1 - probe › answers',
  'not ok 2 - probe › times out',
  '  ---',
  '    name: AssertionError',
  '    message: expected a timeout',
  '  ...',
  'ok 3 - probe › retries',
  '',
  '1..3',
  '# tests 3',
  '# pass 2',
  '# fail 1',
  '',
].join('\n');

test('a passing run: the counts from the closing lines, no failures', (t) => {
  t.deepEqual(summariseTap(passing), { tests: 2, passed: 2, failed: 0, failures: '' });
});

test('a failing run: the counts, and each failing test with its details and nothing else', (t) => {
  const summary = summariseTap(failing);
  t.like(summary, { tests: 3, passed: 2, failed: 1 });
  t.is(
    summary.failures,
    ['not ok 2 - probe › times out', '  ---', '    name: AssertionError', '    message: expected a timeout', '  ...'].join('\n'),
  );
});

test('output without closing counts (ava crashed) reads as no tests at all, which the runner treats as a failure', (t) => {
  t.like(summariseTap('TAP version 13\nnot ok 1 - TypeError: Unknown file extension ".ts"\n'), { tests: 0, passed: 0 });
});
