import type { ApprovalRecord } from '@approval-hub/protocol';
import { argsDiff, argumentSummary, confirmationNote, shown, suspiciousWarning } from './request-summary.js';

/** Slack's mrkdwn needs only these three escaped (api.slack.com/reference/surfaces/formatting#escaping). */
const mrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const plain = (text: string, max = 150) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
/**
 * Agent text in Slack: plain_text, never mrkdwn (a `*` or `_` the agent wrote is a character, not formatting), with
 * suspicious characters as visible markers.
 */
const agentText = (label: string, text: string, max = 150) => ({ type: 'plain_text', text: `${label}: ${plain(shown(text), max)}`, emoji: false });

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

/** The Approve button: a confirmation dialog on `high`; none at all on `critical` (a button cannot take the typed tool name). */
function approveButton(record: ApprovalRecord, value: string): object | null {
  if (record.risk === 'critical') return null;
  const button: Record<string, unknown> = { type: 'button', action_id: SLACK_ACTION.approve, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value };
  if (record.risk === 'high') {
    button.confirm = {
      title: { type: 'plain_text', text: 'Approve a high-risk request?' },
      text: { type: 'plain_text', text: plain(`High risk: ${shown(record.toolName)} will run with the arguments shown above.`, 300), emoji: false },
      confirm: { type: 'plain_text', text: 'Approve' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
    };
  }
  return button;
}

/**
 * The Block Kit message for a request: what every deciding channel shows (tool, agent, risk, on behalf of whom,
 * challenges, the arguments, a pending edited proposal with its diff and proposer, spoofing markers), with Approve /
 * Deny / Open while it is pending; once it is not, the buttons give way to the outcome. `buttonValue` is the signed
 * value the buttons carry (it names what the message shows: see `decision-links/button-seal.ts`).
 */
export function slackMessage(record: ApprovalRecord, consoleLink: string, escalated = false, buttonValue = record.requestId): SlackMessage {
  const pending = record.status === 'pending';
  const title = `${pending && escalated ? 'Still waiting' : 'Approval needed'}: ${shown(record.toolName)}`;
  const fields: object[] = [agentText('Tool', record.toolName), agentText('Agent', record.agentName), { type: 'mrkdwn', text: `*Queue*\n${mrkdwn(record.queue)}` }, { type: 'mrkdwn', text: `*Deadline*\n${slackDate(record.expiresAt)}` }];
  if (record.risk !== undefined) fields.push({ type: 'mrkdwn', text: `*Risk*\n${record.risk === 'critical' || record.risk === 'high' ? ':warning: ' : ''}${record.risk}` });
  if (record.onBehalfOf !== undefined) fields.push(agentText('On behalf of', record.onBehalfOf));
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: plain(title), emoji: false } },
    { type: 'section', fields },
  ];
  const warning = suspiciousWarning(record);
  if (warning) blocks.push({ type: 'section', block_id: 'suspicious', text: { type: 'mrkdwn', text: `:warning: *${mrkdwn(warning)}*` } });
  if (record.summary !== undefined) blocks.push({ type: 'section', text: agentText('Summary', record.summary, 500) });
  for (const challenge of record.challenges ?? []) {
    const resources = challenge.resources.length > 0 ? challenge.resources.join(', ') : '(no resource)';
    blocks.push({ type: 'section', text: agentText('Challenge', `${challenge.actions.join(', ')} on ${resources}`, 500) });
  }
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${record.proposal ? 'Agent asked' : 'Arguments'}*\n\`\`\`${mrkdwn(argumentSummary(record.args, 1500))}\`\`\`` } });
  if (pending && record.proposal) {
    const { proposal } = record;
    const diff = argsDiff(record.args, proposal.args).join('\n');
    blocks.push({
      type: 'section',
      block_id: 'proposal',
      text: { type: 'mrkdwn', text: `:pencil2: *Would run: edited by ${mrkdwn(proposal.proposedBy.name)}*\n\`\`\`${mrkdwn(argumentSummary(proposal.args, 1200))}\`\`\`\n*Changes*\n\`\`\`${mrkdwn(plain(diff, 1200))}\`\`\`` },
    });
  }
  if (pending && record.quorum) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${record.quorum.approvals.length} of ${record.quorum.required} approvals` }] });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Request \`${mrkdwn(record.requestId)}\`` }] });
  if (pending) {
    const note = confirmationNote(record);
    if (record.risk === 'critical' && note) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:lock: ${mrkdwn(note)} Press *Open* for your own decision link.` }] });
    const approve = approveButton(record, buttonValue);
    blocks.push({
      type: 'actions',
      block_id: 'approval',
      elements: [
        ...(approve ? [approve] : []),
        { type: 'button', action_id: SLACK_ACTION.deny, style: 'danger', text: { type: 'plain_text', text: 'Deny' }, value: buttonValue },
        // Opens the console; the press also reaches the hub, which answers the reviewer with their own decision link.
        { type: 'button', action_id: SLACK_ACTION.open, text: { type: 'plain_text', text: 'Open in console' }, url: consoleLink, value: buttonValue },
      ],
    });
  } else {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: outcome(record) }] });
  }
  const text = pending ? `${title} (agent ${shown(record.agentName)})` : `${shown(record.toolName)} (agent ${shown(record.agentName)}): ${record.status}`;
  return { text, blocks };
}
