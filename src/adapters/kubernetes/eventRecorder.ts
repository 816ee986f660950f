// The Listener that posts kube-havoc's Events (events.k8s.io/v1). A rejected
// Event is thrown back to the reporter, which logs it as a warning: an Event
// is a record, never a reason to stop or repeat a kill. Events are real even
// in a dry run; their note says "[dry-run]".

import { EventsV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Occurrence } from '../../domain/occurrence.ts';
import type { Listener, Log } from '../../domain/ports.ts';
import { toKubernetesError } from './errors.ts';
import { havocEvents } from './havocEvents.ts';

/** The one call the listener makes; a test passes a hand-written fake. */
export type EventsApi = Pick<EventsV1Api, 'createNamespacedEvent'>;

export interface EventListenerOptions {
  readonly kubeConfig?: KubeConfig;
  /** Used instead of a client made from kubeConfig. */
  readonly eventsApi?: EventsApi;
  /** This replica: its pod name, or the host name outside a cluster. */
  readonly reportingInstance: string;
  readonly log: Log;
}

export function createEventListener(options: EventListenerOptions): Listener {
  const api = options.eventsApi ?? options.kubeConfig?.makeApiClient(EventsV1Api);
  if (api === undefined) throw new Error('createEventListener needs kubeConfig or eventsApi');
  let sequence = 0;
  // Names must be unique for the Event's lifetime (one hour by default): the
  // time in hex plus a counter, like kubectl's <object>.<hex nanoseconds>.
  const suffixAt = (at: Date) => () => {
    sequence = (sequence + 1) % 0x10000;
    return `${at.getTime().toString(16)}${sequence.toString(16).padStart(4, '0')}`;
  };
  return {
    name: 'kubernetes-events',
    async on(occurrence: Occurrence) {
      const events = havocEvents(occurrence, {
        reportingInstance: options.reportingInstance,
        nextSuffix: suffixAt(occurrence.at),
      });
      if (events.length === 0) return;
      const results = await Promise.allSettled(
        events.map((body) => api.createNamespacedEvent({ namespace: body.metadata?.namespace ?? 'default', body })),
      );
      const failed = results.flatMap((r, i) => {
        if (r.status === 'fulfilled') return [];
        const event = events[i];
        const about = `${event?.regarding?.kind ?? ''} ${event?.regarding?.name ?? ''}`;
        return [toKubernetesError(r.reason, `create Event ${event?.reason ?? ''} about ${about}`)];
      });
      options.log.debug(
        { occurrence: occurrence.type, events: events.length, failed: failed.length },
        'Kubernetes Events posted',
      );
      if (failed.length > 0) {
        throw new AggregateError(failed, failed.map((f) => f.message).join('; '));
      }
    },
  };
}
