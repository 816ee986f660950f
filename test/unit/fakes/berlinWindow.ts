// The window most tests reason about: Monday to Friday, 09:00-17:00 in Berlin, with overrides.

import { createBusinessWindow, type BusinessWindow, type WindowSpec } from '../../../src/domain/window/businessWindow.ts';

export function berlinWindow(over: Partial<WindowSpec> = {}): BusinessWindow {
  return createBusinessWindow({
    timezone: 'Europe/Berlin',
    weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
    start: '09:00',
    end: '17:00',
    overnight: false,
    excludedDates: [],
    ...over,
  });
}
