import type { ApprovalRecord } from '@approval-hub/protocol';
import type { Clock } from '../runtime/clock.js';
import type { TokenConfig } from '../config.js';
import type { ApprovalEngine } from '../engine/approval-engine.js';
import type { Logger } from '../runtime/logger.js';
import type { ApprovalStore } from '../store/store.js';
import { sendByKind } from './channel-senders.js';
import { sendEmail, type DecisionLinkIssuer } from './email-sender.js';
import { sendSlack } from './slack-sender.js';
import type { NotificationsConfig } from './notifications-config.js';
import { OutboxDispatcher } from './outbox-dispatcher.js';

export interface NotificationsOptions {
  /** The hub's store, already wrapped by `queueNotificationsWithWrites` (the outbox rows come with the writes). */
  store: ApprovalStore;
  engine: ApprovalEngine;
  clock: Clock;
  log: Logger;
  /** The live config section (reloads apply to routing and channels). */
  config: () => NotificationsConfig | undefined;
  /** The live tokens: email recipients are reviewers, and see only their queues. */
  tokens: () => readonly TokenConfig[];
  /** Per-reviewer decision links for emails; without it, mails link to the console only. */
  decisionLinks?: DecisionLinkIssuer | undefined;
  /** Seals the value of a Slack message's buttons (the digest of what it shows); without it they carry the bare id. */
  sealButton?: ((record: ApprovalRecord) => Promise<string>) | undefined;
}

export type { DecisionLinkIssuer };

/**
 * Notifications, wired around the store and the engine. The engine adds outbox rows to the writes they report
 * (`EngineCore.insertRequest`/`transition`, routed by the live `notifications` config); `start` runs the dispatcher once the engine is up (it is woken by every request and resolution committed here).
 */
export function createNotifications(options: NotificationsOptions) {
  const { store, engine } = options;
  let dispatcher: OutboxDispatcher | null = null;
  return {
    start(): void {
      const send = sendByKind(options.clock, {
        email: (row, channel, config) => sendEmail(row, channel, config, options.tokens(), options.decisionLinks, current),
        slack: (row, channel, config) => sendSlack(row, channel, config, store, options.sealButton && { seal: options.sealButton, current }),
      });
      const current = (requestId: string) => engine.currentRecord(requestId);
      dispatcher ??= new OutboxDispatcher({ store, clock: options.clock, log: options.log, notifications: options.config, send });
      engine.on('requested', (_record, origin) => {
        if (origin === 'here') dispatcher?.wake();
      });
      engine.on('resolved', (_record, _principal, origin) => {
        if (origin === 'here') dispatcher?.wake();
      });
      dispatcher.start();
    },
    /** Looks for due rows now (a redelivery). */
    wake(): void {
      dispatcher?.wake();
    },
    /** After a reload that may have added the section. */
    restart(): void {
      dispatcher?.start();
    },
    async stop(): Promise<void> {
      await dispatcher?.stop();
    },
  };
}
