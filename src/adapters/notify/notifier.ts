// What people are told, independent of the channel. Messages are built once
// from occurrences (notificationFor) and each Notifier renders them its own
// way: Slack as Block Kit today, a generic JSON webhook next.

export type Tone = 'info' | 'good' | 'warning' | 'danger';

export type Topic =
  'kill' | 'recovery' | 'drain' | 'paused' | 'resumed' | 'failing' | 'failures-cleared' | 'day-plan' | 'blocker';

export interface NotificationField {
  readonly label: string;
  /** A Date lets each channel show the time its own way (Slack: in the reader's zone). */
  readonly value: string | Date;
}

export interface Notification {
  readonly topic: Topic;
  readonly tone: Tone;
  readonly title: string;
  /** One line that stands alone: the fallback text of push notifications. */
  readonly summary: string;
  readonly fields: readonly NotificationField[];
  /** Longer free text below the fields (the plan's workload list). */
  readonly body?: string;
  readonly cluster: string;
  readonly dryRun: boolean;
  readonly at: Date;
  /** For on-call, on messages that may need chaos stopped: the exact commands that pause this install (kubectl alone first). */
  readonly stopCommands?: readonly string[];
  /** Where to look next (the dashboard, filtered to the workload's namespace). */
  readonly link?: { readonly label: string; readonly url: string };
}

/**
 * Delivers one notification. Rejects when delivery failed after the
 * notifier's own retries; the error never contains a secret (webhook URL).
 */
export interface Notifier {
  readonly name: string;
  send(notification: Notification): Promise<void>;
}
