import { digestToApprove, type ApprovalRecord, type DecisionLinkView, type JsonObject } from '@approval-hub/protocol';
import type { DecisionChannel } from '../../src/engine/decision-contract.js';
import { pressSlackButton, type FakeSlack } from '../support/fake-slack.js';
import type { ReceivedMail, SmtpSink } from '../support/smtp-sink.js';
import { api, emitAck, eventually, type ReviewerSocket, type TestHub } from '../support/test-hub.js';

/** A reviewer as every channel knows them: token (socket, REST), principal id (links, mail), Slack user. */
export interface Reviewer {
  id: string;
  name: string;
  token: string;
  slackUserId: string;
  email: string;
}

/** What a channel answered to a decision. `redirect`: where it sent the reviewer instead (a Slack reply's link). */
export type Outcome = { ok: true; record: ApprovalRecord } | { ok: false; code: string; details?: unknown; redirect?: string };

/** How approving is confirmed where the reviewer stands: by the client (console), a dialog, the typed name, or not here. */
export type Confirmation = 'client' | 'none' | 'dialog' | 'typed-name' | 'not-here';

/** What one reviewer is shown on one channel, and the approval it offers: of exactly what was shown. */
export interface Seen {
  /** Everything the reviewer reads, as text: the message (Slack, mail), the page or the record (JSON). */
  text: string;
  /** The record as shown, on channels that show one (socket, REST, the link page). */
  record: ApprovalRecord | null;
  /** The notification's own text, on channels that send one (the Slack message, the mail). */
  message?: string;
  confirmation: Confirmation;
  /** Approves what was shown (its digest), with the typed tool name where the channel takes one. Null: no Approve here. */
  approve: ((options?: { typedToolName?: string }) => Promise<Outcome>) | null;
}

export interface ChannelDriver {
  channel: DecisionChannel;
  see(reviewer: Reviewer, requestId: string): Promise<Seen>;
  /** An approval that names nothing but what the channel itself carries (a plain API call, the link's own digest). */
  approvePlain(reviewer: Reviewer, requestId: string): Promise<Outcome>;
  /** An approval naming `argsDigest` (a stale page, a replayed button). */
  approveNaming(reviewer: Reviewer, requestId: string, argsDigest: string): Promise<Outcome>;
  /** Approves with edited arguments, on channels where a reviewer can edit (the others' reviewers edit in the console). */
  edit?(reviewer: Reviewer, requestId: string, args: JsonObject): Promise<Outcome>;
}

export interface ChannelWorld {
  hub: TestHub;
  slack: FakeSlack;
  smtp: SmtpSink;
  slackSigningSecret: string;
  admin: string;
}

/** The request as the hub holds it now (read through the API, so with its decision terms). */
export async function current(world: ChannelWorld, requestId: string): Promise<ApprovalRecord> {
  const res = await api(world.hub, 'GET', `/api/approvals/${requestId}`, world.admin);
  if (res.status !== 200) throw new Error(`cannot read ${requestId}: ${res.status}`);
  return res.body as ApprovalRecord;
}

function fromAck(ack: { ok: true; data: ApprovalRecord } | { ok: false; error: { code: string; details?: unknown } }): Outcome {
  return ack.ok ? { ok: true, record: ack.data } : { ok: false, code: ack.error.code, details: ack.error.details };
}

function fromResponse(res: { status: number; body: { error?: { code: string; details?: unknown } } & Partial<ApprovalRecord> }): Outcome {
  return res.status === 200 ? { ok: true, record: res.body as ApprovalRecord } : { ok: false, code: res.body.error!.code, details: res.body.error!.details };
}

// ---- socket ----

export function socketChannel(world: ChannelWorld): ChannelDriver {
  const sockets = new Map<string, ReviewerSocket>();
  const socketOf = (reviewer: Reviewer) => {
    let socket = sockets.get(reviewer.id);
    if (!socket) {
      socket = world.hub.connectReviewer(reviewer.token);
      sockets.set(reviewer.id, socket);
    }
    return socket;
  };
  const respond = async (reviewer: Reviewer, body: Record<string, unknown>) => fromAck(await emitAck<ApprovalRecord>(socketOf(reviewer), 'approval.response', body));
  return {
    channel: 'socket',
    async see(reviewer, requestId) {
      const ack = await emitAck<ApprovalRecord>(socketOf(reviewer), 'approval.get', { requestId });
      if (!ack.ok) throw new Error(ack.error.message);
      const record = ack.data;
      return { text: JSON.stringify(record), record, confirmation: 'client', approve: () => respond(reviewer, { requestId, approved: true, argsDigest: digestToApprove(record) }) };
    },
    approvePlain: (reviewer, requestId) => respond(reviewer, { requestId, approved: true }),
    approveNaming: (reviewer, requestId, argsDigest) => respond(reviewer, { requestId, approved: true, argsDigest }),
    edit: (reviewer, requestId, args) => editOverSocket(world, reviewer, requestId, args),
  };
}

/** The edit a reviewer makes in the console: approve with these arguments, naming what they were shown. */
export async function editOverSocket(world: ChannelWorld, reviewer: Reviewer, requestId: string, args: JsonObject): Promise<Outcome> {
  const seen = await socketChannel(world).see(reviewer, requestId);
  const socket = world.hub.connectReviewer(reviewer.token);
  try {
    return fromAck(await emitAck<ApprovalRecord>(socket, 'approval.response', { requestId, approved: true, args, argsDigest: digestToApprove(seen.record!) }));
  } finally {
    socket.disconnect();
  }
}

// ---- REST ----

export function restChannel(world: ChannelWorld): ChannelDriver {
  const decide = async (reviewer: Reviewer, requestId: string, body: Record<string, unknown>) => fromResponse(await api(world.hub, 'POST', `/api/approvals/${requestId}/decision`, reviewer.token, body));
  return {
    channel: 'rest',
    async see(reviewer, requestId) {
      const res = await api(world.hub, 'GET', `/api/approvals/${requestId}`, reviewer.token);
      const record = res.body as ApprovalRecord;
      return { text: JSON.stringify(record), record, confirmation: 'client', approve: () => decide(reviewer, requestId, { approved: true, argsDigest: digestToApprove(record) }) };
    },
    approvePlain: (reviewer, requestId) => decide(reviewer, requestId, { approved: true }),
    approveNaming: (reviewer, requestId, argsDigest) => decide(reviewer, requestId, { approved: true, argsDigest }),
    async edit(reviewer, requestId, args) {
      const shown = (await api(world.hub, 'GET', `/api/approvals/${requestId}`, reviewer.token)).body as ApprovalRecord;
      return decide(reviewer, requestId, { approved: true, args, argsDigest: digestToApprove(shown) });
    },
  };
}

// ---- decision links (handed out directly, or in a mail) ----

/** The link page's confirmation by risk: a second step on high, the typed tool name on critical. */
const pageConfirmation = (record: ApprovalRecord): Confirmation => (record.risk === 'critical' ? 'typed-name' : record.risk === 'high' ? 'dialog' : 'none');

/** What the link page shows (GET) and does (POST) for a token, as the page itself does it. */
function linkPage(world: ChannelWorld, token: string, message?: string) {
  const path = `/api/decision-links/${token}`;
  const post = async (body: Record<string, unknown>) => fromResponse(await api(world.hub, 'POST', path, null, body));
  return {
    post,
    async see(): Promise<Seen> {
      const res = await api(world.hub, 'GET', path, null);
      if (res.status !== 200) throw new Error(`link page: ${res.status} ${JSON.stringify(res.body)}`);
      const view = res.body as DecisionLinkView;
      const { record } = view;
      const approve = view.usable
        ? (options: { typedToolName?: string } = {}) => post({ approved: true, argsDigest: digestToApprove(record), ...(options.typedToolName !== undefined && { confirmToolName: options.typedToolName }) })
        : null;
      return { text: `${message ?? ''}\n${JSON.stringify(view)}`, record, confirmation: pageConfirmation(record), approve, ...(message !== undefined && { message }) };
    },
  };
}

export function linkChannel(world: ChannelWorld): ChannelDriver {
  // One link per reviewer and request, issued on first sight, as a notification would: reused after, so it can be spent.
  const issued = new Map<string, string>();
  const tokenFor = async (reviewer: Reviewer, requestId: string) => {
    const key = `${reviewer.id} ${requestId}`;
    let token = issued.get(key);
    if (!token) {
      token = (await world.hub.hub.decisionLinks.issue(await current(world, requestId), reviewer.id)).token;
      issued.set(key, token);
    }
    return token;
  };
  return {
    channel: 'decision_link',
    see: async (reviewer, requestId) => linkPage(world, await tokenFor(reviewer, requestId)).see(),
    approvePlain: async (reviewer, requestId) => linkPage(world, await tokenFor(reviewer, requestId)).post({ approved: true }),
    approveNaming: async (reviewer, requestId, argsDigest) => linkPage(world, await tokenFor(reviewer, requestId)).post({ approved: true, argsDigest }),
  };
}

/** A mail's text parts, decoded (quoted-printable or base64, UTF-8), as the reader's mail program shows them. */
export function mailText(mail: ReceivedMail): string {
  const parts: string[] = [];
  const pattern = /Content-Transfer-Encoding: ([\w-]+)\r?\n(?:[^\r\n]+\r?\n)*\r?\n([\s\S]*?)(?=\r?\n--|$)/g;
  for (const match of mail.raw.matchAll(pattern)) {
    const [, encoding, body] = match as unknown as [string, string, string];
    if (encoding.toLowerCase() === 'base64') parts.push(Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8'));
    else if (encoding.toLowerCase() === 'quoted-printable') {
      const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      parts.push(Buffer.from(bytes, 'latin1').toString('utf8'));
    } else parts.push(body);
  }
  return parts.join('\n');
}

export function emailChannel(world: ChannelWorld): ChannelDriver {
  const mailFor = async (reviewer: Reviewer, requestId: string) => {
    const find = () => world.smtp.mails.find((m) => m.to.includes(reviewer.email) && m.raw.includes(`X-Approval-Request: ${requestId}`));
    await eventually(() => find() !== undefined, 10_000);
    const mail = find()!;
    const text = mailText(mail);
    const token = /Review and decide: https:\/\/hub\.example\.com\/d\/([A-Za-z0-9._~-]+)/.exec(text)?.[1];
    if (!token) throw new Error('the mail carries no decision link');
    return { text, token };
  };
  return {
    channel: 'email',
    async see(reviewer, requestId) {
      const { text, token } = await mailFor(reviewer, requestId);
      return linkPage(world, token, text).see();
    },
    approvePlain: async (reviewer, requestId) => linkPage(world, (await mailFor(reviewer, requestId)).token).post({ approved: true }),
    approveNaming: async (reviewer, requestId, argsDigest) => linkPage(world, (await mailFor(reviewer, requestId)).token).post({ approved: true, argsDigest }),
  };
}

// ---- Slack ----

type Block = { type: string; elements?: { action_id?: string; value?: string; confirm?: unknown }[] };

/** Every text a Block Kit message shows, in order. */
function blockText(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(blockText);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) => (key === 'text' && typeof inner === 'string' ? [inner] : key === 'value' || key === 'url' ? [] : blockText(inner)));
  }
  return [];
}

export function slackChannel(world: ChannelWorld): ChannelDriver {
  const messageFor = async (requestId: string) => {
    const find = () => world.slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.args.blocks).includes(requestId));
    await eventually(() => find() !== undefined, 10_000);
    return find()!.args.blocks as Block[];
  };
  /** Presses a button; Slack answers 200 either way: the outcome is the request's change, or the private reply. */
  const press = async (reviewer: Reviewer, requestId: string, actionId: string, value: string): Promise<Outcome> => {
    const before = await current(world, requestId);
    const repliesBefore = world.slack.callsTo('chat.postEphemeral').length;
    const res = await pressSlackButton(world.hub.url, world.slackSigningSecret, { userId: reviewer.slackUserId, actionId, requestId, value });
    if (res.status !== 200) return { ok: false, code: `http_${res.status}` };
    const reply = world.slack.callsTo('chat.postEphemeral').slice(repliesBefore).find((c) => c.args.user === reviewer.slackUserId);
    if (!reply) {
      const after = await current(world, requestId);
      const counted = after.status !== before.status || (after.quorum?.approvals.length ?? 0) !== (before.quorum?.approvals.length ?? 0);
      return counted ? { ok: true, record: after } : { ok: false, code: 'nothing_happened' };
    }
    const text = String(reply.args.text);
    const redirect = /https:\/\/hub\.example\.com\/d\/([A-Za-z0-9._~-]+)/.exec(text)?.[1];
    const code = /arguments that would run changed/.test(text) ? 'proposal_changed' : /critical/i.test(text) ? 'forbidden' : /already decided/.test(text) ? 'already_decided' : 'refused';
    return { ok: false, code, details: text, ...(redirect && { redirect }) };
  };
  const sealed = async (requestId: string, argsDigest?: string) => {
    const record = await current(world, requestId);
    // A button naming `argsDigest`: as a message showing those arguments would carry it.
    const named = argsDigest === undefined ? record : { ...record, proposal: { args: {}, argsDigest, proposedBy: { id: 'x', name: 'x' }, proposedAt: record.createdAt } };
    return world.hub.hub.decisionLinks.sealButton(named);
  };
  return {
    channel: 'slack',
    async see(reviewer, requestId) {
      const blocks = await messageFor(requestId);
      const buttons = blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
      const approveButton = buttons.find((e) => e.action_id === 'approval.approve');
      const confirmation: Confirmation = approveButton ? (approveButton.confirm ? 'dialog' : 'none') : 'not-here';
      const text = blockText(blocks).join('\n');
      return {
        text,
        message: text,
        record: null,
        confirmation,
        approve: approveButton ? () => press(reviewer, requestId, 'approval.approve', approveButton.value!) : null,
      };
    },
    approvePlain: (reviewer, requestId) => press(reviewer, requestId, 'approval.approve', requestId),
    approveNaming: async (reviewer, requestId, argsDigest) => press(reviewer, requestId, 'approval.approve', await sealed(requestId, argsDigest)),
  };
}

/** Forges an Approve press with a validly sealed value (as if a button had been there): the hub must still refuse. */
export async function forgedSlackApprove(world: ChannelWorld, reviewer: Reviewer, requestId: string): Promise<Outcome> {
  return slackChannel(world).approveNaming(reviewer, requestId, digestToApprove(await current(world, requestId))!);
}

/** Follows a link the hub sent instead of deciding (a Slack reply): the link page there. */
export function pageAt(world: ChannelWorld, token: string) {
  return linkPage(world, token);
}
