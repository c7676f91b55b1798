import type { ApprovalRecord } from '@approval-hub/protocol';
import { argumentSummary } from './request-summary.js';

/** Slack's mrkdwn needs only these three escaped (api.slack.com/reference/surfaces/formatting#escaping). */
const mrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const plain = (text: string, max = 150) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export const SLACK_ACTION = { approve: 'approval.approve', deny: 'approval.deny', open: 'approval.open' } as const;

/** Slack's date formatting: shown in each reader's own time zone, with the ISO time as the fallback text. */
const slackDate = (iso: string) => `<!date^${Math.floor(Date.parse(iso) / 1000)}^{date_short_pretty} {time}|${iso}>`;

function outcome(record: ApprovalRecord): string {
  const by = record.decision?.decidedBy;
  const who = by?.kind === 'reviewer' ? ` by ${mrkdwn(by.name)}` : by?.kind === 'policy' ? ` by policy ${mrkdwn(by.rule)}` : '';
  const when = record.resolvedAt ?? record.decision?.decidedAt;
  const at = when ? ` ${slackDate(when)}` : '';
  switch (record.status) {
    case 'approved':
      return `:white_check_mark: *Approved*${who}${at}`;
    case 'denied':
      return `:no_entry: *Denied*${who}${at}`;
    case 'expired':
      return `:hourglass: *Expired* with nobody deciding (${record.decision?.approved ? 'approved' : 'denied'} by timeout)${at}`;
    case 'cancelled':
      return `:heavy_multiplication_x: *Cancelled* by the agent${at}`;
    default:
      return '';
  }
}

export interface SlackMessage {
  text: string;
  blocks: object[];
}

/**
 * The Block Kit message for a request: tool, agent, argument summary and deadline, with Approve / Deny / Open in
 * console while it is pending; once it is not, the buttons give way to the outcome.
 */
export function slackMessage(record: ApprovalRecord, consoleLink: string, escalated = false): SlackMessage {
  const pending = record.status === 'pending';
  const title = `${pending && escalated ? 'Still waiting' : 'Approval needed'}: ${record.toolName}`;
  const fields = [
    `*Tool*\n\`${mrkdwn(plain(record.toolName))}\``,
    `*Agent*\n${mrkdwn(plain(record.agentName))}`,
    `*Queue*\n${mrkdwn(record.queue)}`,
    `*Deadline*\n${slackDate(record.expiresAt)}`,
  ];
  if (record.risk !== undefined) fields.push(`*Risk*\n${record.risk}`);
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: plain(title), emoji: false } },
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
  ];
  if (record.summary !== undefined) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: mrkdwn(plain(record.summary, 500)) } });
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Arguments*\n\`\`\`${mrkdwn(argumentSummary(record.args, 1500))}\`\`\`` } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Request \`${mrkdwn(record.requestId)}\`` }] });
  if (pending) {
    blocks.push({
      type: 'actions',
      block_id: 'approval',
      elements: [
        { type: 'button', action_id: SLACK_ACTION.approve, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value: record.requestId },
        { type: 'button', action_id: SLACK_ACTION.deny, style: 'danger', text: { type: 'plain_text', text: 'Deny' }, value: record.requestId },
        // Opens the console; the press also reaches the hub, which answers the reviewer with their own decision link.
        { type: 'button', action_id: SLACK_ACTION.open, text: { type: 'plain_text', text: 'Open in console' }, url: consoleLink, value: record.requestId },
      ],
    });
  } else {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: outcome(record) }] });
  }
  const text = pending ? `${title} (agent ${record.agentName})` : `${record.toolName} (agent ${record.agentName}): ${record.status}`;
  return { text, blocks };
}
