import type { ApprovalRecord, ApprovalResponse } from '@approval-hub/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubConfigInput } from '../../src/config.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { startSmtpSink } from '../support/smtp-sink.js';
import { collect, emitAck, newRequest, startTestHub, tokens, type AgentSocket } from '../support/test-hub.js';
import { contractCases, type CaseContext } from './channel-cases.js';
import { emailChannel, linkChannel, restChannel, slackChannel, socketChannel, type ChannelDriver, type ChannelWorld, type Reviewer } from './channel-drivers.js';

/**
 * The decision contract, one set of cases run against every channel a reviewer can decide through (as the store
 * contract suite runs one set against every store). Each case asserts what the approver is shown, what the hub
 * refuses, and what the agent finally runs. The console's run of the same cases, in Chromium, lives in e2e/.
 */

const slackSigningSecret = 'contract-slack-signing-secret-0123456789';
const alice: Reviewer = { id: 'alice', name: 'Alice', token: tokens.reviewer, slackUserId: 'U0ALICE', email: 'alice@example.com' };
const bob: Reviewer = { id: 'bob', name: 'Bob', token: tokens.reviewer2, slackUserId: 'U0BOB', email: 'bob@example.com' };

function contractConfig(slackApiUrl: string, smtpPort: number): HubConfigInput {
  return {
    approval: { quorum: [{ rule: 'big-payments', match: { toolName: 'send_payment', args: { amount: { gte: 1000 } } }, approvals: 2 }] },
    decisionLinks: { signingKey: 'a-contract-test-signing-key-0123456789abcdef' },
    notifications: {
      publicUrl: 'https://hub.example.com',
      channels: [
        {
          name: 'slack',
          kind: 'slack',
          botToken: 'xoxb-test-bot-token',
          signingSecret: slackSigningSecret,
          channel: 'C0APPROVALS',
          apiUrl: slackApiUrl,
          users: [
            { slackUserId: alice.slackUserId, reviewer: alice.id },
            { slackUserId: bob.slackUserId, reviewer: bob.id },
          ],
        },
        {
          name: 'mail',
          kind: 'email',
          smtp: { host: '127.0.0.1', port: smtpPort, auth: { user: 'hub', pass: 'smtp-password' } },
          from: 'Approval Hub <hub@example.com>',
          to: [
            { address: alice.email, reviewer: alice.id },
            { address: bob.email, reviewer: bob.id },
          ],
        },
      ],
      routes: [{ match: {}, channels: ['slack', 'mail'] }],
      delivery: { backoffBaseMs: 40, backoffMaxMs: 200, pollIntervalMs: 50, timeoutMs: 5000 },
    },
  } as HubConfigInput;
}

const channels: [string, (world: ChannelWorld) => ChannelDriver][] = [
  ['socket', socketChannel],
  ['rest', restChannel],
  ['decision link', linkChannel],
  ['slack', slackChannel],
  ['email link', emailChannel],
];

describe.each(channels)('decision contract over %s', (_name, makeDriver) => {
  let world: ChannelWorld;
  let driver: ChannelDriver;
  let agent: AgentSocket;
  beforeAll(async () => {
    const slack = await startFakeSlack();
    const smtp = await startSmtpSink({ user: 'hub', pass: 'smtp-password' });
    const hub = await startTestHub(contractConfig(slack.apiUrl, smtp.port));
    world = { hub, slack, smtp, slackSigningSecret, admin: tokens.admin };
    driver = makeDriver(world);
    agent = hub.connectAgent();
  });
  afterAll(async () => {
    await world?.hub.close();
    await world?.slack.close();
    await world?.smtp.close();
  });

  const context = (): CaseContext => ({
    world,
    channel: driver,
    alice,
    bob,
    async ask(overrides = {}) {
      const input = newRequest({ summary: 'What the agent wants to do', ...overrides });
      const all = collect<ApprovalResponse>(agent, 'approval.response');
      const ack = await emitAck<ApprovalRecord>(agent, 'approval.request', input);
      if (!ack.ok) throw new Error(ack.error.message);
      expect(ack.data.argsDigest).toMatch(/^[A-Za-z0-9_-]{43}$/);
      return {
        requestId: input.requestId,
        input: { toolName: input.toolName, args: input.args },
        // This request's decisions only: the agent socket is shared by the cases of one channel.
        get responses() {
          return all.filter((r) => r.requestId === input.requestId);
        },
      };
    },
  });

  for (const contractCase of contractCases) {
    const applies = (channel: ChannelDriver['channel']) => !contractCase.channels || contractCase.channels.includes(channel);
    it(contractCase.name, async (testContext) => {
      if (!applies(driver.channel)) return testContext.skip();
      await contractCase.run(context());
    }, 30_000);
  }
});
