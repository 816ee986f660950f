// pino, JSON by default and pretty when asked. The destination is an option
// so tests capture lines; secrets are redacted by path whatever logs them.
// The default JSON has string levels and ISO times, what log pipelines map to
// severity and time without configuration; format "pino" keeps pino's own.
// pino-pretty is an optional dependency, loaded only for pretty logs: the
// image leaves it out (a daemon's logs are JSON), the CLI tarball has it.

import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { pino, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import type { PrettyOptions, PrettyStream } from 'pino-pretty';

export type LogFormat = 'json' | 'pino';

export interface LoggerOptions {
  readonly level: string;
  readonly pretty: boolean;
  /** Default json: "level":"info", "time":"2026-03-06T10:00:00.000Z". */
  readonly format?: LogFormat;
  /** Where lines go; defaults to stdout. */
  readonly destination?: NodeJS.WritableStream;
  /** The daemon's redactor: every line passes it on its way out, whatever was logged. */
  readonly redact?: (line: string) => string;
}

export const REDACT_PATHS = [
  'webhookUrl',
  '*.webhookUrl',
  '*.*.webhookUrl',
  'url',
  '*.url',
  'headers.authorization',
  '*.headers.authorization',
  'token',
  '*.token',
];

export function createLogger(options: LoggerOptions): Logger {
  const base: PinoOptions = {
    level: options.level,
    base: { name: 'kube-havoc' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  const destination = redacting(options.destination ?? process.stdout, options.redact);
  if (options.pretty) return pino(base, prettyStream({ colorize: false, destination, sync: true }));
  const json: PinoOptions =
    options.format === 'pino'
      ? base
      : { ...base, formatters: { level: (label) => ({ level: label }) }, timestamp: pino.stdTimeFunctions.isoTime };
  return pino(json, destination);
}

/** pino's number of a level in either format ("warn" or 40), for readers of the JSON lines; 0 when it is neither. */
export function levelNumber(level: unknown): number {
  if (typeof level === 'number') return level;
  return typeof level === 'string' ? (pino.levels.values[level] ?? 0) : 0;
}

/** The destination behind the redactor. Each line is passed on synchronously, so nothing waits in a buffer at exit. */
function redacting(destination: NodeJS.WritableStream, redact: ((line: string) => string) | undefined): NodeJS.WritableStream {
  if (redact === undefined) return destination;
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      destination.write(redact(chunk.toString()));
      done();
    },
  });
}

function prettyStream(options: PrettyOptions): NodeJS.WritableStream {
  let pretty: (options: PrettyOptions) => PrettyStream;
  try {
    pretty = createRequire(import.meta.url)('pino-pretty') as typeof pretty;
  } catch (error) {
    throw new Error(
      'pretty logs (--log-pretty, log.pretty) need the optional package pino-pretty, which this install leaves out ' +
        '(the image does); use the JSON logs, or npm install pino-pretty',
      { cause: error },
    );
  }
  return pretty(options) as NodeJS.WritableStream;
}
