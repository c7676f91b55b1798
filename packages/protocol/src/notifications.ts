import { z } from 'zod';
import { ApprovalRecord } from './approval.js';
import { IsoTime } from './text.js';

/** What a notification reports. `approval.escalated`: nobody decided within a route's `escalateAfterMs`. */
export const NotificationEvent = z.enum(['approval.requested', 'approval.resolved', 'approval.escalated']);
export type NotificationEvent = z.infer<typeof NotificationEvent>;

/** `pending`: waiting or retrying; `dead`: retries ran out (redeliver it); `skipped`: no longer needed. */
export const DeliveryStatus = z.enum(['pending', 'delivered', 'dead', 'skipped']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/**
 * A webhook's body (Standard Webhooks): sent with the headers `webhook-id` (stable across retries),
 * `webhook-timestamp` (seconds) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`).
 * An escalation is sent as `approval.requested` again, with a new `webhook-id`.
 */
export const WebhookBody = z.object({
  type: z.enum(['approval.requested', 'approval.resolved']),
  /** When it happened (the request's creation, or its resolution). */
  timestamp: IsoTime,
  data: ApprovalRecord,
});
export type WebhookBody = z.infer<typeof WebhookBody>;

/** One entry of the notification delivery log (`GET /api/notifications/deliveries`, admins). */
export const NotificationDelivery = z.object({
  /** The webhook's `webhook-id`; also the id to redeliver. */
  id: z.string(),
  channel: z.string(),
  kind: z.enum(['webhook', 'email', 'slack']),
  event: NotificationEvent,
  requestId: z.string(),
  /** The recipient within the channel (email address), or null. */
  target: z.string().nullable(),
  status: DeliveryStatus,
  attempts: z.int(),
  createdAt: IsoTime,
  /** While pending: the next attempt. */
  nextAttemptAt: IsoTime.nullable(),
  lastAttemptAt: IsoTime.nullable(),
  lastError: z.string().nullable(),
  deliveredAt: IsoTime.nullable(),
});
export type NotificationDelivery = z.infer<typeof NotificationDelivery>;

/** `GET /api/notifications/deliveries` query: newest first. */
export const NotificationDeliveryQuery = z.strictObject({
  status: DeliveryStatus.optional(),
  channel: z.string().max(64).optional(),
  requestId: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().regex(/^\d{1,15}$/, 'not a cursor from this API').optional(),
});
export type NotificationDeliveryQuery = z.infer<typeof NotificationDeliveryQuery>;

export const NotificationDeliveryPage = z.object({ items: z.array(NotificationDelivery), nextCursor: z.string().nullable() });
export type NotificationDeliveryPage = z.infer<typeof NotificationDeliveryPage>;

/** `POST /api/notifications/deliveries/:id/redeliver` path. */
export const DeliveryIdParam = z.object({ id: z.string().regex(/^msg_[A-Za-z0-9_-]{1,64}$/, 'not a delivery id') });

/**
 * The part of a Slack `block_actions` interaction the hub reads (sent form-encoded as `payload=<JSON>` to
 * `POST /api/slack/interactions`, after its signature is checked). Other fields are ignored.
 */
export const SlackBlockActions = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1).max(64) }),
  channel: z.object({ id: z.string().min(1).max(64) }).optional(),
  actions: z
    .array(z.object({ action_id: z.string().max(255), value: z.string().max(256).optional() }))
    .min(1)
    .max(10),
});
export type SlackBlockActions = z.infer<typeof SlackBlockActions>;
