import { digestToApprove, type ApprovalRecord, type ApprovalResponse, type JsonObject, type RiskLevel } from '@approval-hub/protocol';
import { expect } from 'vitest';
import type { DecisionChannel } from '../../src/engine/decision-contract.js';
import { argsDigest } from '../../src/engine/args-digest.js';
import { api, eventually } from '../support/test-hub.js';
import { current, editOverSocket, forgedSlackApprove, pageAt, type ChannelDriver, type ChannelWorld, type Confirmation, type Outcome, type Reviewer, type Seen } from './channel-drivers.js';

/** A request an agent made for a case, and what the agent has been told since (what it finally runs). */
export interface Asked {
  requestId: string;
  input: { toolName: string; args: JsonObject };
  responses: ApprovalResponse[];
}

export interface CaseContext {
  world: ChannelWorld;
  channel: ChannelDriver;
  alice: Reviewer;
  bob: Reviewer;
  /** Makes a request as the agent (over its socket) and collects the decisions it receives. */
  ask(overrides?: Record<string, unknown>): Promise<Asked>;
}

/** One promise of the decision contract, checked the same way on every channel it applies to. */
export interface ContractCase {
  name: string;
  /** The channels the case is about (all when absent). */
  channels?: DecisionChannel[];
  run(ctx: CaseContext): Promise<void>;
}

/** A payment the quorum rule (`approvals: 2` from 1000 up) applies to. */
export const PAYMENT = { toolName: 'send_payment', args: { to: 'acme', amount: 5000 } };

/** What approving asks for, per channel and risk: the hub's part, the rest is the client's (the console's own suite). */
export const EXPECTED_CONFIRMATION: Record<DecisionChannel, Record<'low' | 'high' | 'critical', Confirmation>> = {
  socket: { low: 'client', high: 'client', critical: 'client' },
  rest: { low: 'client', high: 'client', critical: 'client' },
  decision_link: { low: 'none', high: 'dialog', critical: 'typed-name' },
  email: { low: 'none', high: 'dialog', critical: 'typed-name' },
  slack: { low: 'none', high: 'dialog', critical: 'not-here' },
};

/** The channel an approval through `channel` is audited as: Slack sends its reviewers to their own link page. */
const decidedVia = (channel: DecisionChannel): DecisionChannel => (channel === 'slack' ? 'decision_link' : channel);

async function auditedVia(ctx: CaseContext, requestId: string): Promise<unknown> {
  const timeline = await api(ctx.world.hub, 'GET', `/api/approvals/${requestId}`, ctx.world.admin);
  const detail = await api(ctx.world.hub, 'GET', `/api/audit?requestId=${requestId}&type=decided`, ctx.world.admin);
  expect(timeline.status).toBe(200);
  return (detail.body.items as { data: { via?: string } }[])[0]?.data.via;
}

/**
 * Approves what `seen` shows. A channel that cannot show what would run (or cannot take the confirmation) refuses
 * and sends the reviewer to their own link page: followed, as the reviewer would, and approved there.
 */
async function approveAsShown(ctx: CaseContext, seen: Seen, typedToolName?: string): Promise<{ outcome: Outcome; seen: Seen }> {
  const outcome = seen.approve ? await seen.approve(typedToolName === undefined ? {} : { typedToolName }) : null;
  if (outcome?.ok) return { outcome, seen };
  expect(ctx.channel.channel).toBe('slack');
  const redirect = outcome && !outcome.ok ? outcome.redirect : undefined;
  expect(redirect).toBeDefined();
  const page = await pageAt(ctx.world, redirect!).see();
  return { outcome: await page.approve!(typedToolName === undefined ? {} : { typedToolName }), seen: page };
}

async function finallyRuns(asked: Asked, args: JsonObject): Promise<void> {
  await eventually(() => asked.responses.length > 0, 10_000);
  expect(asked.responses[0]).toMatchObject({ requestId: asked.requestId, approved: true, args });
}

export const contractCases: ContractCase[] = [
  {
    name: 'quorum: the first approver edits; a plain approval of the original is refused, the shown proposal is approved and runs',
    async run(ctx) {
      const asked = await ctx.ask(PAYMENT);
      const edited = { to: 'attacker-account', amount: 100000 };
      // The second approver's message (or link) reaches them with the request: it shows the agent's arguments.
      const before = await ctx.channel.see(ctx.bob, asked.requestId);
      expect(before.text).toContain('acme');
      expect(before.text).not.toContain('attacker-account');
      // The first approver edits: on this channel when it can edit, else in the console.
      const first = ctx.channel.edit ? await ctx.channel.edit(ctx.alice, asked.requestId, edited) : await editOverSocket(ctx.world, ctx.alice, asked.requestId, edited);
      expect(first).toMatchObject({ ok: true, record: { status: 'pending', proposal: { args: edited, proposedBy: { id: 'alice', name: 'Alice' } } } });
      const proposal = (first as { record: ApprovalRecord }).record.proposal!;

      // The second approver's plain Approve names the agent's arguments (or nothing): refused, and told what would run.
      const plain = await ctx.channel.approvePlain(ctx.bob, asked.requestId);
      expect(plain).toMatchObject({ ok: false, code: 'proposal_changed' });
      if (ctx.channel.channel !== 'slack') expect(plain).toMatchObject({ details: { argsDigest: proposal.argsDigest, proposal: { args: edited } } });
      expect((await current(ctx.world, asked.requestId)).quorum?.approvals.map((a) => a.id)).toEqual(['alice']);

      const { outcome, seen } = await approveAsShown(ctx, await ctx.channel.see(ctx.bob, asked.requestId));
      // What the second approver approved: the proposal, with who proposed it, next to the agent's own arguments.
      expect(seen.record?.proposal).toMatchObject({ args: edited, argsDigest: proposal.argsDigest, proposedBy: { name: 'Alice' } });
      expect(seen.record?.args).toEqual(PAYMENT.args);
      expect(outcome).toMatchObject({ ok: true, record: { status: 'approved', decision: { args: edited, modified: true, decidedBy: { id: 'bob' } } } });
      await finallyRuns(asked, edited);
      expect(await auditedVia(ctx, asked.requestId)).toBe(decidedVia(ctx.channel.channel));
    },
  },
  ...(['low', 'high', 'critical'] as const).map(
    (risk): ContractCase => ({
      name: `risk ${risk}: the channel shows it and asks for its confirmation`,
      async run(ctx) {
        const asked = await ctx.ask({ risk: risk as RiskLevel });
        const seen = await ctx.channel.see(ctx.bob, asked.requestId);
        expect(seen.text).toContain(risk);
        expect(seen.confirmation).toBe(EXPECTED_CONFIRMATION[ctx.channel.channel][risk]);
        if (seen.confirmation === 'typed-name') {
          // Without the tool name typed, or with another, the hub refuses.
          expect(await seen.approve!()).toMatchObject({ ok: false, code: 'invalid_payload' });
          expect(await seen.approve!({ typedToolName: 'delete_po' })).toMatchObject({ ok: false, code: 'invalid_payload' });
        }
        if (seen.confirmation === 'not-here') {
          // No Approve button; a forged press is refused all the same, and the reviewer is sent to their link page.
          expect(seen.approve).toBeNull();
          const forged = await forgedSlackApprove(ctx.world, ctx.bob, asked.requestId);
          expect(forged).toMatchObject({ ok: false, code: 'forbidden' });
          expect((await current(ctx.world, asked.requestId)).status).toBe('pending');
          const page = await pageAt(ctx.world, (forged as { redirect: string }).redirect).see();
          expect(page.confirmation).toBe('typed-name');
          expect(await page.approve!()).toMatchObject({ ok: false, code: 'invalid_payload' });
          expect(await page.approve!({ typedToolName: asked.input.toolName })).toMatchObject({ ok: true, record: { status: 'approved' } });
        } else {
          const outcome = await seen.approve!(seen.confirmation === 'typed-name' ? { typedToolName: asked.input.toolName } : {});
          expect(outcome).toMatchObject({ ok: true, record: { status: 'approved' } });
        }
        await finallyRuns(asked, asked.input.args);
      },
    }),
  ),
  {
    name: 'spoofed text is shown marked, never as it would render',
    async run(ctx) {
      const asked = await ctx.ask({ summary: 'Send invoice\u202Efdp.exe', args: { file: 'invoice\u202Efdp.exe', namespace: 'prod' } });
      const seen = await ctx.channel.see(ctx.bob, asked.requestId);
      if (seen.record) expect(seen.record.suspicious).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'bidi_control', field: 'args.file' })]));
      if (seen.message !== undefined) {
        expect(seen.message).toContain('invoice⟨U+202E⟩fdp.exe');
        expect(seen.message).not.toContain('\u202E');
        expect(seen.message).toMatch(/Suspicious text/);
      }
      const { outcome } = await approveAsShown(ctx, seen);
      expect(outcome).toMatchObject({ ok: true, record: { status: 'approved' } });
      await finallyRuns(asked, asked.input.args);
    },
  },
  {
    name: 'onBehalfOf "*" and the challenges are shown as the agent wrote them',
    async run(ctx) {
      const challenges = [{ actions: ['payments:send'], resources: ['account:*'] }];
      const asked = await ctx.ask({ onBehalfOf: '*', challenges });
      const seen = await ctx.channel.see(ctx.bob, asked.requestId);
      if (seen.record) expect(seen.record).toMatchObject({ onBehalfOf: '*', challenges });
      if (seen.message !== undefined) {
        expect(seen.message).toContain('On behalf of: *');
        expect(seen.message).toContain('payments:send on account:*');
      }
      const { outcome } = await approveAsShown(ctx, seen);
      expect(outcome).toMatchObject({ ok: true, record: { status: 'approved', onBehalfOf: '*' } });
      await finallyRuns(asked, asked.input.args);
    },
  },
  {
    name: 'a link is spent by the decision it makes, a partial quorum approval included',
    channels: ['decision_link', 'email'],
    async run(ctx) {
      const asked = await ctx.ask(PAYMENT);
      const seen = await ctx.channel.see(ctx.bob, asked.requestId);
      expect(await seen.approve!()).toMatchObject({ ok: true, record: { status: 'pending', quorum: { approvals: [{ id: 'bob' }] } } });
      // An edit restarts the count: Bob could approve the new proposal, but not with the link he spent.
      const edited = { to: 'acme', amount: 4000 };
      expect(await editOverSocket(ctx.world, ctx.alice, asked.requestId, edited)).toMatchObject({ ok: true, record: { status: 'pending' } });
      const again = await ctx.channel.see(ctx.bob, asked.requestId);
      expect(again.text).toContain('"state":"used"');
      expect(again.approve).toBeNull();
      const proposal = (await current(ctx.world, asked.requestId)).proposal!;
      expect(await ctx.channel.approveNaming(ctx.bob, asked.requestId, proposal.argsDigest)).toMatchObject({ ok: false, code: 'already_decided' });
      expect((await current(ctx.world, asked.requestId)).quorum?.approvals.map((a) => a.id)).toEqual(['alice']);
      expect(asked.responses).toEqual([]);
    },
  },
  {
    name: 'a stale digest is refused; approving what would run is not',
    async run(ctx) {
      const asked = await ctx.ask();
      const stale = argsDigest({ ...asked.input.args, namespace: 'staging' });
      expect(await ctx.channel.approveNaming(ctx.bob, asked.requestId, stale)).toMatchObject({ ok: false, code: 'proposal_changed' });
      const record = await current(ctx.world, asked.requestId);
      expect(record.status).toBe('pending');
      expect(digestToApprove(record)).toBe(argsDigest(asked.input.args));
      const { outcome } = await approveAsShown(ctx, await ctx.channel.see(ctx.bob, asked.requestId));
      expect(outcome).toMatchObject({ ok: true, record: { status: 'approved' } });
      await finallyRuns(asked, asked.input.args);
    },
  },
];
