import type { ApprovalRecord } from '@approval-hub/protocol';
import nodemailer from 'nodemailer';
import type { OutboxRow } from '../store/outbox-store.js';
import { PermanentDeliveryError, type DeliveryResult } from './delivery-errors.js';
import type { NotificationBody } from './notification-routing.js';
import type { EmailChannel, NotificationsConfig } from './notifications-config.js';
import type { TokenConfig } from '../config.js';
import { confirmationNote, consoleUrl, requestFacts, shown, suspiciousWarning } from './request-summary.js';
import { isLoopbackHost } from './private-targets.js';
import { reviewerPrincipal } from './reviewer-principal.js';

/** Issues a signed decision link token for one reviewer and request (decision-links/); throws when it cannot. */
export type DecisionLinkIssuer = (record: ApprovalRecord, reviewerPrincipalId: string, via: 'email' | 'slack') => Promise<string>;

/** The request as it stands now (with its pending proposal), for a message sent later than it was queued. */
export type CurrentRecord = (requestId: string) => Promise<ApprovalRecord | null>;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

/** The mail for one recipient: the request's facts, and their own decision link when there is one. */
export function emailMessage(record: ApprovalRecord, escalated: boolean, links: { decide: string | null; console: string }): EmailMessage {
  const subject = `${escalated ? 'Still waiting' : 'Approval needed'}: ${shown(record.toolName)} by ${shown(record.agentName)}`.replace(/[\r\n]+/g, ' ');
  const facts = requestFacts(record);
  const intro = escalated ? 'Nobody has decided this request yet.' : 'An agent is waiting for your decision.';
  const warning = suspiciousWarning(record);
  const proposalNote = record.proposal ? `${record.proposal.proposedBy.name} proposed edited arguments: they are what would run if you approve.` : null;
  // What the reviewer must know before following the link, first.
  const notes = [warning && `WARNING: ${warning}`, proposalNote, confirmationNote(record)].filter((n): n is string => n !== null);
  const text = [
    intro,
    ...notes,
    '',
    ...facts.map(([label, value]) => `${label}: ${value}`),
    '',
    ...(links.decide ? [`Review and decide: ${links.decide}`] : []),
    `Open the console: ${links.console}`,
  ].join('\n');
  const rows = facts
    .map(([label, value]) => `<tr><th align="left" style="padding:4px 12px 4px 0">${escapeHtml(label)}</th><td style="padding:4px 0"><code style="white-space:pre-wrap">${escapeHtml(value)}</code></td></tr>`)
    .join('');
  const html = [
    `<p>${escapeHtml(intro)}</p>`,
    ...notes.map((note) => `<p style="border-left:4px solid #b45309;padding:4px 8px"><strong>${escapeHtml(note)}</strong></p>`),
    `<table>${rows}</table>`,
    links.decide ? `<p><a href="${escapeHtml(links.decide)}">Review and decide</a></p>` : '',
    `<p><a href="${escapeHtml(links.console)}">Open the console</a></p>`,
  ].join('\n');
  return { subject, text, html };
}

/** Sends one outbox row (one recipient) over the channel's SMTP server. */
export async function sendEmail(
  row: OutboxRow,
  channel: EmailChannel,
  config: NotificationsConfig,
  tokens: readonly TokenConfig[],
  issueLink: DecisionLinkIssuer | undefined,
  current?: CurrentRecord,
): Promise<DeliveryResult> {
  const recipient = channel.to.find((r) => r.address === row.target);
  if (!recipient) throw new PermanentDeliveryError('the recipient is no longer in the channel');
  const queued = (JSON.parse(row.payload) as NotificationBody).data;
  // The mail shows, and its link names, what would run when it is sent (an edit may be pending by then).
  const record = (current && (await current(queued.requestId))) ?? queued;
  if (record.status !== 'pending') return { skipped: true };
  // A recipient whose reviewer may not see the queue learns nothing of the request, not even that it exists.
  const reviewer = reviewerPrincipal(tokens, recipient.reviewer);
  if (!reviewer || (reviewer.queues !== null && !reviewer.queues.includes(record.queue))) return { skipped: true };
  // No link when none can be issued (the request was decided a moment ago): the mail still names the console.
  const token = issueLink ? await issueLink(record, recipient.reviewer, 'email').catch(() => null) : null;
  const decide = token === null ? null : `${config.publicUrl}/d/${token}`;
  const message = emailMessage(record, row.event === 'approval.escalated', { decide, console: consoleUrl(config.publicUrl) });
  const transport = nodemailer.createTransport({
    host: channel.smtp.host,
    port: channel.smtp.port,
    secure: channel.smtp.secure,
    // Without it nodemailer falls back to plaintext when a relay offers no STARTTLS (issue #24).
    requireTLS: channel.smtp.requireTLS ?? !isLoopbackHost(channel.smtp.host),
    ...(channel.smtp.auth && { auth: channel.smtp.auth }),
    // A relay on this machine often offers STARTTLS with a self-signed certificate; the traffic never leaves the
    // host, so it is not checked there. Anywhere else, certificates are verified (nodemailer's default).
    ...(isLoopbackHost(channel.smtp.host) && { tls: { rejectUnauthorized: false } }),
    connectionTimeout: config.delivery.timeoutMs,
    greetingTimeout: config.delivery.timeoutMs,
    socketTimeout: config.delivery.timeoutMs,
  });
  try {
    const info = await transport.sendMail({ from: channel.from, to: recipient.address, subject: message.subject, text: message.text, html: message.html, headers: { 'X-Approval-Request': record.requestId } });
    return { response: JSON.stringify({ messageId: info.messageId }) };
  } finally {
    transport.close();
  }
}
