import type { ApprovalRecord } from '@approval-hub/protocol';
import { LogLevel, WebClient } from '@slack/web-api';
import type { CurrentRecord } from './email-sender.js';
import type { OutboxRow, OutboxStore } from '../store/outbox-store.js';
import { PermanentDeliveryError, type DeliveryResult } from './delivery-errors.js';
import type { NotificationBody } from './notification-routing.js';
import type { NotificationsConfig, SlackChannel } from './notifications-config.js';
import { consoleUrl } from './request-summary.js';
import { slackMessage } from './slack-message.js';

/** Where a posted message lives, kept in the row's `response` so the message can be updated later. */
interface PostedMessage {
  channel: string;
  ts: string;
}

/** Slack errors that retrying cannot fix: the token or the channel is wrong. */
const PERMANENT_SLACK_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'channel_not_found', 'not_in_channel', 'is_archived', 'missing_scope']);

export function slackClient(channel: SlackChannel, timeoutMs: number): WebClient {
  const apiUrl = channel.apiUrl === undefined ? undefined : channel.apiUrl.endsWith('/') ? channel.apiUrl : `${channel.apiUrl}/`;
  return new WebClient(channel.botToken, {
    ...(apiUrl !== undefined && { slackApiUrl: apiUrl }),
    // The outbox retries (durably, with backoff); the client itself does not.
    retryConfig: { retries: 0 },
    timeout: timeoutMs,
    logLevel: LogLevel.ERROR,
  });
}

function slackFailure(error: unknown): Error {
  const code = (error as { data?: { error?: unknown } }).data?.error;
  if (typeof code === 'string') return PERMANENT_SLACK_ERRORS.has(code) ? new PermanentDeliveryError(`Slack refused: ${code}`) : new Error(`Slack answered: ${code}`);
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * A new or escalated request: posts its message. A resolution: updates every message posted for the request on
 * this channel (waiting while one is still being posted; nothing to do when none was).
 */
export async function sendSlack(
  row: OutboxRow,
  channel: SlackChannel,
  config: NotificationsConfig,
  outbox: Pick<OutboxStore, 'outboxOf'>,
  buttons?: { seal: (record: ApprovalRecord) => Promise<string>; current: CurrentRecord },
): Promise<DeliveryResult> {
  const queued = (JSON.parse(row.payload) as NotificationBody).data;
  // A message posted later than it was queued (an escalation) shows, and its buttons name, what would run by then.
  const record = (row.event !== 'approval.resolved' && buttons && (await buttons.current(queued.requestId))) || queued;
  const client = slackClient(channel, config.delivery.timeoutMs);
  const buttonValue = buttons && record.status === 'pending' ? await buttons.seal(record) : record.requestId;
  const message = slackMessage(record, consoleUrl(config.publicUrl), row.event === 'approval.escalated', buttonValue);
  try {
    if (row.event !== 'approval.resolved') {
      const posted = await client.chat.postMessage({ channel: channel.channel, text: message.text, blocks: message.blocks as never, unfurl_links: false });
      if (typeof posted.ts !== 'string') throw new Error('Slack answered without a message ts');
      return { response: JSON.stringify({ channel: posted.channel ?? channel.channel, ts: posted.ts } satisfies PostedMessage) };
    }
    const announcements = (await outbox.outboxOf(row.requestId, row.channel)).filter((r) => r.event !== 'approval.resolved');
    // The request's own message may still be on its way (its row is retrying): update it once it is there.
    if (announcements.some((r) => r.event === 'approval.requested' && r.status === 'pending')) throw new Error('the request message is not posted yet');
    const posted = announcements.filter((r) => r.status === 'delivered' && r.response !== null).map((r) => JSON.parse(r.response!) as PostedMessage);
    if (posted.length === 0) return { skipped: true };
    for (const { channel: id, ts } of posted) await client.chat.update({ channel: id, ts, text: message.text, blocks: message.blocks as never });
    return {};
  } catch (error) {
    throw slackFailure(error);
  }
}
