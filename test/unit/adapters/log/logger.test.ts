import { PassThrough } from 'node:stream';
import test from 'ava';
import { createLogger, levelNumber, type LogFormat } from '../../../../src/adapters/log/logger.ts';

function lines(format?: LogFormat): Record<string, unknown>[] {
  const out: string[] = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => out.push(chunk.toString()));
  const log = createLogger({ level: 'info', pretty: false, destination, ...(format === undefined ? {} : { format }) });
  log.warn({ event: 'tick', webhookUrl: 'https://hooks.slack.com/services/T/B/secret' }, 'tick skipped');
  log.debug({}, 'below the level');
  log.flush();
  return out
    .join('')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('by default a line has a string level and an ISO 8601 time, which log pipelines map without configuration', (t) => {
  const [line, ...rest] = lines();
  t.is(rest.length, 0);
  t.like(line, { level: 'warn', name: 'kube-havoc', event: 'tick', msg: 'tick skipped', webhookUrl: '[redacted]' });
  t.regex(String(line?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  t.true(Math.abs(Date.parse(String(line?.time)) - Date.now()) < 60_000);
});

test('log.format pino keeps the old form: numeric level, epoch-millisecond time', (t) => {
  const [line] = lines('pino');
  t.like(line, { level: 40, msg: 'tick skipped' });
  t.is(typeof line?.time, 'number');
});

test('levelNumber reads both forms, so readers of the lines compare severities', (t) => {
  t.is(levelNumber('error'), 50);
  t.is(levelNumber(50), 50);
  t.is(levelNumber('warn'), 40);
  t.is(levelNumber('nonsense'), 0);
  t.is(levelNumber(undefined), 0);
});

test('pretty logs load the optional pino-pretty only when asked, and print for people', (t) => {
  const out: string[] = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => out.push(chunk.toString()));
  createLogger({ level: 'info', pretty: true, destination }).info({ event: 'tick' }, 'tick acted');
  t.regex(out.join(''), /INFO.*tick acted/);
});
