import { SlackBlockActions } from '@approval-hub/protocol';
import { apiRoute, routeMounter, textAnswer, type ApiApp } from '../http/api-routes.js';
import { requestClientAddress } from '../http/client-address.js';
import { problem } from '../http/rest-errors.js';
import type { HubContext } from '../transports/hub-context.js';
import type { DecisionLinkIssuer } from './email-sender.js';
import type { SlackChannel } from './notifications-config.js';
import { reviewerPrincipal } from './reviewer-principal.js';
import { SLACK_ACTION } from './slack-message.js';
import { slackClient } from './slack-sender.js';
import { verifySlackSignature } from './slack-signature.js';

/** Slack's interaction payloads are small; anything larger is not Slack. */
const MAX_BODY_BYTES = 64 * 1024;

const NOT_ALLOWED = 'You are not allowed to decide this request from Slack. Ask an admin to map your Slack user to a reviewer with access to its queue.';

/**
 * `POST /api/slack/interactions`: Slack's interactivity requests (Approve / Deny buttons). The signature is checked
 * against the raw body BEFORE anything in it is parsed; the Slack user must map to a reviewer principal that may
 * decide the request, or gets an ephemeral "not allowed" and nothing is decided. Always answers Slack quickly
 * with an empty 200 once the signature holds; the message itself is updated by the outbox (`approval.resolved`).
 */
export interface SlackLinks {
  /** The reviewer's own decision link token, for what Slack cannot decide (a critical request, a changed proposal). */
  issue: DecisionLinkIssuer;
  /** A button's sealed value: the request and the digest of what its message showed. */
  openButton: (value: string) => Promise<{ requestId: string; argsDigest: string } | null>;
}

const interactions = apiRoute({
  method: 'post',
  path: '/api/slack/interactions',
  summary: "Slack's interactivity requests (Approve / Deny buttons)",
  description:
    'Authenticated by Slack\'s request signature (`x-slack-signature`, `x-slack-request-timestamp`, 5-minute window), checked before the body is parsed. The Slack user must be mapped to a reviewer who may decide the request; otherwise they get an ephemeral "not allowed" and nothing is decided. The body is form-encoded as Slack sends it (`payload=<JSON>`). Answers an empty 200 to Slack.',
  // Public to the bearer check: the signature is the credential.
  auth: 'public',
  responses: { 200: textAnswer('text/plain', 'Acknowledged (the decision, if any, is made; the message is updated by the outbox)') },
  errors: ['unauthorized', 'not_found', 'invalid_payload', 'payload_too_large', 'rate_limited'],
});

export function mountSlackInteractions(app: ApiApp, hub: HubContext, links?: SlackLinks): void {
  routeMounter(app)(interactions, async (c) => {
    const channels = (hub.config.notifications?.channels ?? []).filter((ch): ch is SlackChannel => ch.kind === 'slack');
    if (channels.length === 0) return problem(c, 'not_found', 'Slack is not configured');
    const length = Number(c.req.header('content-length') ?? '0');
    if (length > MAX_BODY_BYTES) return problem(c, 'payload_too_large', 'Body too large');
    const raw = await c.req.text();
    if (Buffer.byteLength(raw) > MAX_BODY_BYTES) return problem(c, 'payload_too_large', 'Body too large');
    const timestamp = c.req.header('x-slack-request-timestamp');
    const signature = c.req.header('x-slack-signature');
    const nowSeconds = Math.floor(hub.clock.now() / 1000);
    const channel = channels.find((ch) => verifySlackSignature(ch.signingSecret, timestamp, signature, raw, nowSeconds));
    if (!channel) {
      // Bad signatures count as failed authentications of the caller's address, in Slack's own bucket; a good
      // signature is served whatever others sent (Slack calls from a few shared addresses).
      const address = requestClientAddress(c, hub.config.trustedProxies);
      if (hub.slackThrottle.throttled(address)) return problem(c, 'rate_limited', 'Too many failed attempts from your address; try again later');
      hub.slackThrottle.recordFailure(address);
      hub.log.warn({ event: 'slack.refused', code: 'unauthorized' }, 'Slack interaction refused: bad or stale signature');
      return problem(c, 'unauthorized', 'Bad or stale Slack signature');
    }
    let payload: SlackBlockActions;
    try {
      const parsed = SlackBlockActions.safeParse(JSON.parse(new URLSearchParams(raw).get('payload') ?? ''));
      // Signed by Slack but not a button press we handle (another interaction type): acknowledged, ignored.
      if (!parsed.success) return c.body(null, 200);
      payload = parsed.data;
    } catch {
      return problem(c, 'invalid_payload', 'The payload is not JSON');
    }
    const action = payload.actions[0]!;
    const known = [SLACK_ACTION.approve, SLACK_ACTION.deny, SLACK_ACTION.open] as string[];
    if (!known.includes(action.action_id) || action.value === undefined) return c.body(null, 200);
    const slackUser = payload.user.id;
    const ephemeral = (text: string) =>
      slackClient(channel, 5_000)
        .chat.postEphemeral({ channel: payload.channel?.id ?? channel.channel, user: slackUser, text })
        .catch((error: unknown) => hub.log.warn({ event: 'slack.ephemeral_failed', err: error }, 'could not send a Slack ephemeral message'));

    const mapped = channel.users.find((u) => u.slackUserId === slackUser);
    const principal = mapped ? reviewerPrincipal(hub.config.tokens, mapped.reviewer) : null;
    if (!principal) {
      hub.log.warn({ event: 'slack.refused', code: 'forbidden', channel: channel.name, slackUser }, 'Slack user is not mapped to a reviewer');
      await ephemeral(NOT_ALLOWED);
      return c.body(null, 200);
    }
    // A sealed value names the request and what the message showed; a bare id (a message posted before buttons were
    // sealed) names no arguments, so it approves only where no edited proposal is pending.
    const sealed = links ? await links.openButton(action.value) : null;
    const requestId = sealed?.requestId ?? action.value;
    /** The reviewer's own decision link, privately: where what Slack cannot decide is decided. */
    const ownLink = async (): Promise<string | null> => {
      const record = await hub.engine.visibleRecord(principal, requestId);
      const token = record?.status === 'pending' && links ? await links.issue(record, principal.id, 'slack').catch(() => null) : null;
      const publicUrl = hub.config.notifications?.publicUrl;
      return token !== null && publicUrl !== undefined ? `${publicUrl}/d/${token}` : null;
    };
    if (action.action_id === SLACK_ACTION.open) {
      // The shared message carries no one's link; each reviewer who asks gets their own, privately.
      const link = await ownLink();
      if (link !== null) await ephemeral(`Your own decision link for this request (only you can see it): ${link}`);
      else if (!(await hub.engine.visibleRecord(principal, requestId))) await ephemeral(NOT_ALLOWED);
      return c.body(null, 200);
    }
    const ack = await hub.engine.decide(principal, { requestId, approved: action.action_id === SLACK_ACTION.approve }, { channel: 'slack', signedArgsDigest: sealed?.argsDigest });
    if (!ack.ok) {
      const code = ack.error.code;
      if (code === 'proposal_changed' || code === 'forbidden') {
        // Slack cannot show an edited proposal once its message is posted, nor take a typed tool name: it decides
        // neither, and sends the reviewer where both are shown.
        const link = await ownLink();
        const why = code === 'proposal_changed' ? 'The arguments that would run changed since this message was posted (a reviewer proposed an edit). Nothing was decided.' : 'A critical request cannot be approved from Slack. Nothing was decided.';
        await ephemeral(link ? `${why} Review it and decide on your own decision link (only you can see it): ${link}` : `${why} Open the console to review it.`);
        return c.body(null, 200);
      }
      // Out of the reviewer's queues reads as not_found: said the same way as "not mapped", so nothing leaks.
      const text = code === 'already_decided' ? 'This request was already decided.' : code === 'expired' ? 'This request expired before your decision.' : NOT_ALLOWED;
      await ephemeral(text);
    }
    return c.body(null, 200);
  });
}
