import test from 'ava';
import { wholeNumberFlag } from '../../../scripts/tools/wholeNumberFlag.ts';

test('a whole number at or above the minimum is taken', (t) => {
  t.is(wholeNumberFlag('runs', '5', 1), 5);
  t.is(wholeNumberFlag('nodes', '0'), 0);
});

for (const [text, min] of [
  ['abc', 1],
  ['2.5', 1],
  ['0', 1],
  ['-1', 0],
  ['', 0],
  [undefined, 0],
] as const) {
  test(`refused, naming the flag and the text as given: ${JSON.stringify(text)} (at least ${min})`, (t) => {
    t.throws(() => wholeNumberFlag('runs', text, min), {
      message: `--runs must be a whole number >= ${min}, got "${text ?? ''}"`,
    });
  });
}
