import test from 'ava';
import { createLogListener } from '../../../../src/adapters/log/logListener.ts';
import { recordingLog } from '../../fakes/recordingListener.ts';
import { AT, tickOccurrence } from '../../fakes/occurrences.ts';

test('a failed tick is one error line: the tick line after its error says so at info', (t) => {
  const log = recordingLog();
  const listener = createLogListener({ log });
  const message = 'read state ConfigMap havoc/kube-havoc-state: api-unreachable';
  void listener.on({ type: 'error', at: AT, kind: 'api-unreachable', message });
  void listener.on(tickOccurrence('failed', { detail: message }));
  t.deepEqual(
    log.lines.map((l) => [l.level, l.msg]),
    [
      ['error', message],
      ['info', 'tick failed (the error logged just before)'],
    ],
  );
  t.like(log.lines[1]?.obj, { event: 'tick', outcome: 'failed', detail: message });
});

test('a failed tick without that error before it, or after another error, is still an error line', (t) => {
  const log = recordingLog();
  const listener = createLogListener({ log });
  void listener.on(tickOccurrence('failed', { detail: 'deadline passed' }));
  void listener.on({ type: 'error', at: AT, kind: 'state', message: 'recording the recovery verdict failed: x' });
  void listener.on(tickOccurrence('failed', { detail: 'deadline passed' }));
  t.deepEqual(
    log.lines.map((l) => l.level),
    ['error', 'error', 'error'],
  );
});
