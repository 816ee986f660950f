// A Notification as a Slack Block Kit message: a header with the tone's
// emoji, a loud DRY RUN line when nothing was changed, the fields, the body,
// and the cluster and time as context. `text` is the fallback that push
// notifications and screen readers show.

import type { IncomingWebhookSendArguments } from '@slack/webhook';
import type { Notification, NotificationField, Tone } from '../notify/notifier.ts';

type Block = NonNullable<IncomingWebhookSendArguments['blocks']>[number];

const EMOJI: Record<Tone, string> = {
  info: ':information_source:',
  good: ':white_check_mark:',
  warning: ':warning:',
  danger: ':rotating_light:',
};

// Block Kit limits: header text 150 chars, a field 2000, a section text 3000, 10 fields per section.
const HEADER_MAX = 150;
const FIELD_MAX = 2000;
const TEXT_MAX = 3000;
const FIELDS_MAX = 10;

export function toSlackMessage(n: Notification): IncomingWebhookSendArguments {
  const emoji = n.topic === 'day-plan' ? ':calendar:' : n.topic === 'kill' && n.tone === 'info' ? ':boom:' : EMOJI[n.tone];
  const blocks: Block[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: clip(`${emoji} ${n.dryRun ? '[DRY RUN] ' : ''}${n.title}`, HEADER_MAX), emoji: true },
    },
  ];
  if (n.dryRun) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: ':test_tube: *DRY RUN*: nothing was changed in the cluster.' },
    });
  }
  if (n.fields.length > 0) {
    blocks.push({
      type: 'section',
      fields: n.fields
        .slice(0, FIELDS_MAX)
        .map((f) => ({ type: 'mrkdwn', text: clip(`*${escape(f.label)}*\n${fieldText(f)}`, FIELD_MAX) })),
    });
  }
  if (n.body !== undefined) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(escape(n.body), TEXT_MAX) } });
  // What on-call needs next, last before the context so it is easy to find and copy.
  const onCall = [
    ...(n.stopCommands === undefined ? [] : [stopText(n.stopCommands)]),
    ...(n.link === undefined ? [] : [`:bar_chart: <${linkUrl(n.link.url)}|${escape(n.link.label)}>`]),
  ];
  if (onCall.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(onCall.join('\n'), TEXT_MAX) } });
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `kube-havoc · cluster *${escape(n.cluster)}* · ${slackDate(n.at)}` }],
  });
  return { text: clip(`${n.dryRun ? '[DRY RUN] ' : ''}${n.summary}`, TEXT_MAX), blocks };
}

/** The kubectl command first: on-call has kubectl at 3 a.m., not always the CLI. */
function stopText(commands: readonly string[]): string {
  const [first, ...others] = commands.map((c) => `\`${escape(c)}\``);
  return `:octagonal_sign: *Stop all chaos:* ${first ?? ''}${others.map((c) => `\n    or ${c}`).join('')}`;
}

function fieldText(field: NotificationField): string {
  return field.value instanceof Date ? slackDate(field.value) : escape(field.value);
}

/** Slack shows <!date> in each reader's own time zone; the ISO text is the fallback. */
function slackDate(at: Date): string {
  return `<!date^${Math.floor(at.getTime() / 1000)}^{date_short_pretty} {time_secs}|${at.toISOString()}>`;
}

/** A URL inside <url|label>: the pipe and angle brackets would end it early. */
function linkUrl(url: string): string {
  return escape(url.replaceAll('|', '%7C'));
}

/** The three characters Slack's mrkdwn treats as control characters. */
function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
