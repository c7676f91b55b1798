import { z } from 'zod';
import { isPrivateAddress, literalAddress } from './private-targets.js';

const ChannelName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." or "-" (at most 64)');
const PrincipalId = z.string().min(1).max(128);

/** Standard Webhooks secret: `whsec_` + base64 of the key (at least 16 bytes, as the spec recommends 24 to 64). */
const WebhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be "whsec_" followed by a base64 key (Standard Webhooks)')
  .refine((s) => Buffer.from(s.slice('whsec_'.length), 'base64').length >= 16, 'the key after "whsec_" must decode to at least 16 bytes');

const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

export const WEBHOOK_EVENTS = ['approval.requested', 'approval.resolved'] as const;

const WebhookChannel = z.strictObject({
  name: ChannelName,
  kind: z.literal('webhook'),
  url: HttpUrl,
  /** Never logged; it signs every delivery. */
  secret: WebhookSecret,
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).default([...WEBHOOK_EVENTS]),
});

const EmailChannel = z.strictObject({
  name: ChannelName,
  kind: z.literal('email'),
  smtp: z.strictObject({
    host: z.string().min(1),
    port: z.int().min(1).max(65535),
    /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    /**
     * Refuse to send when the relay does not offer STARTTLS (decision links and the password would go in clear).
     * Default: on for any relay but one on this machine (loopback).
     */
    requireTLS: z.boolean().optional(),
    auth: z.strictObject({ user: z.string().min(1), pass: z.string().min(1) }).optional(),
  }),
  from: z.string().min(3),
  /** Each recipient is one reviewer: the links in their mail decide as that reviewer. */
  to: z.array(z.strictObject({ address: z.email(), reviewer: PrincipalId })).min(1),
});

const SlackChannel = z.strictObject({
  name: ChannelName,
  kind: z.literal('slack'),
  /** Bot token (xoxb-…) with chat:write; never logged. */
  botToken: z.string().min(1),
  /** Verifies interactivity requests (Slack app → Basic Information → Signing Secret); never logged. */
  signingSecret: z.string().min(8),
  /** The Slack channel id messages are posted to (C…). */
  channel: z.string().min(1).max(64),
  /** The Web API base, for tests or a proxy; default https://slack.com/api/. */
  apiUrl: HttpUrl.optional(),
  /** Slack user id → reviewer principal id. Only mapped users may decide, and only in that reviewer's queues. */
  users: z.array(z.strictObject({ slackUserId: z.string().min(1).max(64), reviewer: PrincipalId })).default([]),
});

export const NotificationChannel = z.discriminatedUnion('kind', [WebhookChannel, EmailChannel, SlackChannel]);
export type NotificationChannel = z.infer<typeof NotificationChannel>;
export type WebhookChannel = z.infer<typeof WebhookChannel>;
export type EmailChannel = z.infer<typeof EmailChannel>;
export type SlackChannel = z.infer<typeof SlackChannel>;

const NotificationRoute = z
  .strictObject({
    /** Every given field must equal the request's; an empty match takes every request. */
    match: z.strictObject({ queue: z.string().optional(), toolName: z.string().optional(), agentName: z.string().optional() }).default({}),
    channels: z.array(ChannelName).default([]),
    /** When nobody has decided this long after the request, notify `escalateTo`. */
    escalateAfterMs: z.int().min(1).optional(),
    escalateTo: z.array(ChannelName).min(1).optional(),
  })
  .refine((r) => (r.escalateAfterMs === undefined) === (r.escalateTo === undefined), 'escalateAfterMs and escalateTo go together');
export type NotificationRoute = z.infer<typeof NotificationRoute>;

export const NotificationsConfig = z
  .strictObject({
    /** Where reviewers reach this hub (links in email and Slack): https://approvals.example.com */
    publicUrl: HttpUrl.transform((u) => u.replace(/\/+$/, '')),
    /** Lets webhooks reach loopback and private addresses (tests, a receiver on the same network). Off: SSRF guard. */
    allowPrivateTargets: z.boolean().default(false),
    channels: z.array(NotificationChannel).default([]),
    routes: z.array(NotificationRoute).default([]),
    delivery: z
      .strictObject({
        /** Retries stop after this long; the row is then `dead` (redeliver it from the log). */
        retryForMs: z.int().min(1).max(30 * 86_400_000).default(86_400_000),
        /** First retry delay; each next one doubles, with jitter, up to `backoffMaxMs`. */
        backoffBaseMs: z.int().min(1).default(1_000),
        backoffMaxMs: z.int().min(1).default(900_000),
        /** How often the outbox is checked for due rows (new rows are also sent at once). */
        pollIntervalMs: z.int().min(10).max(60_000).default(1_000),
        /** One attempt's time limit (connect, send, answer). */
        timeoutMs: z.int().min(100).max(120_000).default(10_000),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    config.channels.forEach((channel, i) => {
      if (names.has(channel.name)) ctx.addIssue({ code: 'custom', message: `duplicate channel name "${channel.name}"`, path: ['channels', i, 'name'] });
      names.add(channel.name);
      if (channel.kind === 'webhook' && !config.allowPrivateTargets) {
        // A trailing dot names the same host (`localhost.`).
        const host = new URL(channel.url).hostname.toLowerCase().replace(/\.$/, '');
        const address = literalAddress(host);
        if (host === 'localhost' || host.endsWith('.localhost') || (address !== null && isPrivateAddress(address))) {
          ctx.addIssue({ code: 'custom', message: 'targets a loopback or private address; set notifications.allowPrivateTargets to allow it', path: ['channels', i, 'url'] });
        }
      }
    });
    config.routes.forEach((route, i) => {
      for (const [key, list] of [['channels', route.channels], ['escalateTo', route.escalateTo ?? []]] as const) {
        list.forEach((name, j) => {
          if (!names.has(name)) ctx.addIssue({ code: 'custom', message: `no channel named "${name}"`, path: ['routes', i, key, j] });
        });
      }
    });
  });
export type NotificationsConfig = z.output<typeof NotificationsConfig>;
