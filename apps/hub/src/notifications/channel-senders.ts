import type { Clock } from '../runtime/clock.js';
import type { OutboxRow } from '../store/outbox-store.js';
import type { DeliveryResult } from './delivery-errors.js';
import type { ChannelSend } from './outbox-dispatcher.js';
import type { EmailChannel, NotificationChannel, NotificationsConfig, SlackChannel } from './notifications-config.js';
import { sendWebhook } from './webhook-sender.js';

export interface ChannelSenders {
  email: (row: OutboxRow, channel: EmailChannel, config: NotificationsConfig) => Promise<DeliveryResult>;
  slack: (row: OutboxRow, channel: SlackChannel, config: NotificationsConfig) => Promise<DeliveryResult>;
}

/** One send function over every channel kind. */
export function sendByKind(clock: Clock, senders: ChannelSenders): ChannelSend {
  return (row: OutboxRow, channel: NotificationChannel, config: NotificationsConfig) => {
    switch (channel.kind) {
      case 'webhook':
        return sendWebhook(row, channel, {
          allowPrivateTargets: config.allowPrivateTargets,
          timeoutMs: config.delivery.timeoutMs,
          nowSeconds: () => Math.floor(clock.now() / 1000),
        });
      case 'email':
        return senders.email(row, channel, config);
      case 'slack':
        return senders.slack(row, channel, config);
    }
  };
}
