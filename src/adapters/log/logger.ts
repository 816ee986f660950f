// pino, JSON by default and pretty when asked. The destination is an option
// so tests capture lines; secrets are redacted by path whatever logs them.

import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export interface LoggerOptions {
  readonly level: string;
  readonly pretty: boolean;
  /** Where lines go; defaults to stdout. */
  readonly destination?: NodeJS.WritableStream;
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
  if (options.pretty) {
    return pino(
      base,
      pretty({ colorize: false, destination: options.destination ?? process.stdout, sync: true }) as NodeJS.WritableStream,
    );
  }
  return pino(base, options.destination ?? process.stdout);
}
