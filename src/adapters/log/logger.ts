// pino, JSON by default and pretty when asked. The destination is an option
// so tests capture lines; secrets are redacted by path whatever logs them.

import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export interface LoggerOptions {
  readonly level: string;
  readonly pretty: boolean;
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
  const base = { level: options.level, base: { name: 'kube-havoc' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  const destination = redacting(options.destination ?? process.stdout, options.redact);
  if (options.pretty) {
    return pino(base, pretty({ colorize: false, destination, sync: true }) as NodeJS.WritableStream);
  }
  return pino(base, destination);
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
