import type { NotificationsConfig } from './notifications-config.js';

/** Every secret in the notifications section, for the logger to scrub from any line that might carry one. */
export function notificationSecrets(config: NotificationsConfig | undefined): string[] {
  return (config?.channels ?? []).flatMap((channel) => {
    switch (channel.kind) {
      case 'webhook':
        return [channel.secret, channel.secret.slice('whsec_'.length)];
      case 'slack':
        return [channel.botToken, channel.signingSecret];
      case 'email':
        return channel.smtp.auth ? [channel.smtp.auth.pass] : [];
      default:
        return [];
    }
  });
}
