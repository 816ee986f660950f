// The kill switch: one flag in the persisted state that every replica reads
// at its next tick, set and cleared by `kube-havoc pause` / `resume`. It goes
// through the StateStore, so it survives restarts and a change of leader.

import type { Occurrence } from './occurrence.ts';
import type { StateStore } from './ports.ts';
import type { HavocState, PauseState } from './state.ts';

export interface PauseRequest {
  readonly store: StateStore;
  /** Why chaos stops; shown in Slack, logs and tick outcomes. Required. */
  readonly reason: string;
  /** Who asked (user name, CLI host). */
  readonly by: string;
  readonly now: Date;
}

export interface ResumeRequest {
  readonly store: StateStore;
  readonly by: string;
  readonly now: Date;
}

export interface SwitchResult {
  readonly state: HavocState;
  /** The pause that was in force before, if any. */
  readonly previous: PauseState | undefined;
  /** What to announce (Slack, log); undefined when nothing changed. */
  readonly occurrence: Occurrence | undefined;
}

export function paused(state: HavocState, pause: PauseState): HavocState {
  return { ...state, paused: pause };
}

export function resumed(state: HavocState, by: string, at: Date): HavocState {
  const { paused: _cleared, ...rest } = state;
  return { ...rest, resumed: { by, at: at.toISOString() } };
}

/** The kill switch as stored now: the store's cheaper read when it has one, else the whole state. */
export async function readKillSwitch(store: StateStore): Promise<PauseState | undefined> {
  return store.killSwitch ? store.killSwitch() : (await store.load()).paused;
}

/** Stops all chaos; pausing again replaces the reason (the latest word counts). */
export async function pauseChaos(request: PauseRequest): Promise<SwitchResult> {
  const reason = request.reason.trim();
  if (reason === '') throw new Error('pause needs a reason (--reason "...") so on-call knows why chaos stopped');
  let previous: PauseState | undefined;
  const pause: PauseState = { reason, by: request.by, at: request.now.toISOString() };
  const state = await request.store.update((s) => {
    previous = s.paused;
    return paused(s, pause);
  });
  return { state, previous, occurrence: { type: 'paused', at: request.now, by: request.by, reason } };
}

/** Lets chaos run again from the next tick; a no-op (no occurrence) when not paused. */
export async function resumeChaos(request: ResumeRequest): Promise<SwitchResult> {
  let previous: PauseState | undefined;
  const state = await request.store.update((s) => {
    previous = s.paused;
    return previous === undefined ? s : resumed(s, request.by, request.now);
  });
  return {
    state,
    previous,
    occurrence: previous === undefined ? undefined : { type: 'resumed', at: request.now, by: request.by },
  };
}

/**
 * What the daemon should announce about the kill switch, exactly once per pause
 * and per resume: the claim is written to the shared state first, so a restart,
 * a new leader or a racing replica finds it taken. Undefined when nothing is due.
 * At most once: a crash between the claim and the message loses the message.
 */
export async function claimAnnouncement(store: StateStore, seen: HavocState, at: Date): Promise<Occurrence | undefined> {
  const pause = seen.paused;
  const resume = seen.resumed;
  if (pause !== undefined && pause.announced !== true) {
    let claimed = false;
    await store.update((s) => {
      claimed = s.paused !== undefined && s.paused.at === pause.at && s.paused.by === pause.by && s.paused.announced !== true;
      return claimed && s.paused ? { ...s, paused: { ...s.paused, announced: true } } : s;
    });
    return claimed ? { type: 'paused', at, by: pause.by, reason: pause.reason } : undefined;
  }
  if (pause === undefined && resume !== undefined && resume.announced !== true) {
    let claimed = false;
    await store.update((s) => {
      claimed = s.paused === undefined && s.resumed !== undefined && s.resumed.at === resume.at && s.resumed.announced !== true;
      return claimed && s.resumed ? { ...s, resumed: { ...s.resumed, announced: true } } : s;
    });
    return claimed ? { type: 'resumed', at, by: resume.by } : undefined;
  }
  return undefined;
}
