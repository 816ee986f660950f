// The daemon's one redactor, made from the configuration: main.ts passes it to
// the logger, the reporter, the HTTP server and the one-shot commands' output.

import { createRedactor, type Redactor } from '../domain/redactor.ts';
import type { HavocConfig } from './config.ts';
import { configuredSecrets, type SecretSourceOptions } from './secrets.ts';

export function redactorFromConfig(config: HavocConfig, options: SecretSourceOptions = {}): Redactor {
  return createRedactor({ secrets: configuredSecrets(config, options) });
}
