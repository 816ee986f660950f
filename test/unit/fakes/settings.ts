// Settings for tests: the real defaults from the config schema, with overrides.

import { loadConfig } from '../../../src/config/load.ts';
import { toSettings } from '../../../src/config/settings.ts';
import type { Settings } from '../../../src/domain/settings.ts';

export function testSettings(env: Record<string, string> = {}): Settings {
  return toSettings(
    loadConfig({
      env: {
        HAVOC_DRY_RUN: 'false',
        HAVOC_SCHEDULE_TIMEZONE: 'Europe/Berlin',
        HAVOC_SCHEDULE_START: '09:00',
        HAVOC_SCHEDULE_END: '17:00',
        ...env,
      },
    }),
  );
}
