import type { ApprovalRecord, ApprovalResponse } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { HubConfigInput } from '../../src/config.js';
import { pressSlackButton, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { api, collect, emitAck, eventually, newRequest, startTestHub, tokens, type TestHub } from '../support/test-hub.js';
import { mailText } from './channel-drivers.js';

/**
 * A message sent while an edit is pending (here: the escalation, sent after the first approver edited) shows the
 * proposal — what would run, who proposed it, the diff — and its button or link names the proposal: it decides it.
 */

const signingSecret = 'escalation-slack-signing-secret-0123456789';
const ESCALATE_AFTER_MS = 3000;

function config(slackApiUrl: string, smtpPort: number): HubConfigInput {
  return {
    approval: { quorum: [{ rule: 'payments', match: { toolName: 'send_payment' }, approvals: 2 }] },
    decisionLinks: { signingKey: 'an-escalation-test-signing-key-0123456789' },
    notifications: {
      publicUrl: 'https://hub.example.com',
      channels: [
        { name: 'slack', kind: 'slack', botToken: 'xoxb-test-bot-token', signingSecret, channel: 'C0LATE', apiUrl: slackApiUrl, users: [{ slackUserId: 'U0BOB', reviewer: 'bob' }] },
        {
          name: 'mail',
          kind: 'email',
          smtp: { host: '127.0.0.1', port: smtpPort, auth: { user: 'hub', pass: 'smtp-password' } },
          from: 'Approval Hub <hub@example.com>',
          to: [{ address: 'bob@example.com', reviewer: 'bob' }],
        },
      ],
      // Nothing at first: both channels hear of the request only when it escalates.
      routes: [{ match: {}, channels: [], escalateTo: ['slack', 'mail'], escalateAfterMs: ESCALATE_AFTER_MS }],
      delivery: { backoffBaseMs: 40, backoffMaxMs: 200, pollIntervalMs: 50, timeoutMs: 5000 },
    },
  } as HubConfigInput;
}

let hub: TestHub | undefined;
let slack: FakeSlack | undefined;
let smtp: SmtpSink | undefined;
afterEach(async () => {
  await hub?.close();
  await slack?.close();
  await smtp?.close();
  hub = slack = smtp = undefined;
});

async function editedPayment() {
  slack = await startFakeSlack();
  smtp = await startSmtpSink({ user: 'hub', pass: 'smtp-password' });
  hub = await startTestHub(config(slack.apiUrl, smtp.port));
  const agent = hub.connectAgent();
  const responses = collect<ApprovalResponse>(agent, 'approval.response');
  const input = newRequest({ toolName: 'send_payment', args: { to: 'acme', amount: 5000 }, timeoutMs: 60_000 });
  const asked = await emitAck<ApprovalRecord>(agent, 'approval.request', input);
  if (!asked.ok) throw new Error(asked.error.message);
  const edited = { to: 'acme-2', amount: 4500 };
  const first = await emitAck<ApprovalRecord>(hub.connectReviewer(tokens.reviewer), 'approval.response', { requestId: input.requestId, approved: true, args: edited, argsDigest: asked.data.argsDigest });
  if (!first.ok) throw new Error(first.error.message);
  return { requestId: input.requestId, responses, edited, proposal: first.data.proposal! };
}

describe('messages sent while an edit is pending', () => {
  it('the Slack message shows the proposal, and its Approve completes the quorum with it', async () => {
    const { requestId, responses, edited, proposal } = await editedPayment();
    await eventually(() => slack!.callsTo('chat.postMessage').length > 0, 10_000);
    const blocks = slack!.callsTo('chat.postMessage')[0]!.args.blocks as { block_id?: string; type: string; text?: { text: string }; elements?: { action_id: string; value: string }[] }[];
    const shown = JSON.stringify(blocks);
    expect(blocks.find((b) => b.block_id === 'proposal')?.text?.text).toMatch(/Would run: edited by Alice/);
    expect(shown).toContain('- amount: 5000');
    expect(shown).toContain('+ amount: 4500');
    expect(shown).toContain('+ to: \\"acme-2\\"');
    const approve = blocks.find((b) => b.type === 'actions')!.elements!.find((e) => e.action_id === 'approval.approve')!;
    expect(approve.value.split(' ')[1]).toBe(proposal.argsDigest);
    expect((await pressSlackButton(hub!.url, signingSecret, { userId: 'U0BOB', actionId: 'approval.approve', requestId, value: approve.value })).status).toBe(200);
    expect(await hub!.record(requestId)).toMatchObject({ status: 'approved', decision: { args: edited, decidedBy: { id: 'bob' } } });
    await eventually(() => responses.length > 0);
    expect(responses[0]!.args).toEqual(edited);
    const audit = await api(hub!, 'GET', `/api/audit?requestId=${requestId}&type=decided`, tokens.admin);
    expect(audit.body.items[0].data.via).toBe('slack');
  });

  it('the mail shows the proposal, and its link, signed with the proposal, approves it', async () => {
    const { responses, edited, proposal } = await editedPayment();
    await eventually(() => smtp!.mails.length > 0, 10_000);
    const text = mailText(smtp!.mails[0]!);
    expect(text).toContain('Alice proposed edited arguments');
    expect(text).toContain('Proposed by: Alice');
    expect(text).toContain('Would run: {"amount":4500,"to":"acme-2"}');
    expect(text).toContain('+ amount: 4500');
    const token = /Review and decide: https:\/\/hub\.example\.com\/d\/([A-Za-z0-9._~-]+)/.exec(text)![1]!;
    const view = await api(hub!, 'GET', `/api/decision-links/${token}`, null);
    expect(view.body).toMatchObject({ state: 'open', record: { proposal: { argsDigest: proposal.argsDigest } } });
    // No digest in the body: the one the link was signed with names the proposal.
    expect((await api(hub!, 'POST', `/api/decision-links/${token}`, null, { approved: true })).body).toMatchObject({ status: 'approved', decision: { args: edited } });
    await eventually(() => responses.length > 0);
    expect(responses[0]!.args).toEqual(edited);
  });
});
