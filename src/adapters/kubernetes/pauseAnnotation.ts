// The kill switch with nothing but kubectl: an annotation on the state
// ConfigMap, folded by the state store into HavocState.paused, so the tick,
// the permit and `status` all read one kill switch from one request.
//
//   kubectl -n havoc annotate configmap kube-havoc-state --overwrite havoc/pause="<why>" havoc/paused-by="$USER"
//
// The API server does not tell a reader who patched an object (managedFields
// names the client program, "kubectl-annotate", not the person), so who comes
// from a second annotation; the manager name is only the fallback.
// Removing havoc/pause resumes; `kube-havoc resume` removes it too.

import type { V1ManagedFieldsEntry, V1ObjectMeta } from '@kubernetes/client-node';
import { resumed } from '../../domain/killSwitch.ts';
import type { HavocState, PauseState } from '../../domain/state.ts';

export const PAUSE_ANNOTATION = 'havoc/pause';
export const PAUSED_BY_ANNOTATION = 'havoc/paused-by';
/** Recorded as who resumed when the annotation was removed: the API server keeps no trace of who removed it. */
export const ANNOTATION_RESUMER = `kubectl (${PAUSE_ANNOTATION} annotation removed)`;

/** The pause the annotations ask for, or undefined. `firstSeen` dates it when managedFields cannot. */
export function annotationPause(metadata: V1ObjectMeta | undefined, firstSeen: () => Date): PauseState | undefined {
  const reason = metadata?.annotations?.[PAUSE_ANNOTATION];
  if (reason === undefined) return undefined;
  const entry = metadata?.managedFields?.find(ownsPauseAnnotation);
  const by = metadata?.annotations?.[PAUSED_BY_ANNOTATION]?.trim();
  return {
    // An empty value still stops chaos: a kill switch fails closed.
    reason: reason.trim() === '' ? `no reason given in ${PAUSE_ANNOTATION}` : reason.trim(),
    by: by !== undefined && by !== '' ? by : `${entry?.manager ?? 'kubectl'} (no ${PAUSED_BY_ANNOTATION} annotation)`,
    at: (entry?.time === undefined ? firstSeen() : new Date(entry.time)).toISOString(),
    source: 'annotation',
  };
}

function ownsPauseAnnotation(entry: V1ManagedFieldsEntry): boolean {
  const fields = entry.fieldsV1 as { 'f:metadata'?: { 'f:annotations'?: Record<string, unknown> } } | undefined;
  return fields?.['f:metadata']?.['f:annotations']?.[`f:${PAUSE_ANNOTATION}`] !== undefined;
}

/**
 * The stored state with the annotation folded in: an annotation pause replaces
 * the stored pause unless it is the same one (then the stored copy keeps its
 * `announced` claim); a stored annotation pause whose annotation is gone is a resume.
 */
export function withAnnotationPause(stored: HavocState, asked: PauseState | undefined, now: () => Date): HavocState {
  const kept = stored.paused;
  if (asked !== undefined) {
    const same = kept?.source === 'annotation' && kept.reason === asked.reason && kept.by === asked.by;
    return same ? stored : { ...stored, paused: asked };
  }
  return kept?.source === 'annotation' ? resumed(stored, ANNOTATION_RESUMER, now()) : stored;
}

/** The annotations to write: the kubectl pause stays only while the state still holds it (a CLI pause or resume replaces it). */
export function annotationsFor(
  annotations: Readonly<Record<string, string>> | undefined,
  next: HavocState,
): Record<string, string> | undefined {
  if (annotations?.[PAUSE_ANNOTATION] === undefined || next.paused?.source === 'annotation') return annotations;
  const { [PAUSE_ANNOTATION]: _pause, [PAUSED_BY_ANNOTATION]: _by, ...rest } = annotations;
  return rest;
}
