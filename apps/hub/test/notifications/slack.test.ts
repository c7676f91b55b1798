import { readFileSync } from 'node:fs';
import type { ApprovalRecord } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { HubConfigInput } from '../../src/config.js';
import { slackMessage } from '../../src/notifications/slack-message.js';
import { startFakeSlack, pressSlackButton, type FakeSlack } from '../support/fake-slack.js';
import { api, eventually, newRequest, startTestHub, tokens, type TestHub } from '../support/test-hub.js';

const signingSecret = 'slack-signing-secret-0123456789';
const fixture = JSON.parse(readFileSync(new URL('../fixtures/slack-block-kit-message.json', import.meta.url), 'utf8')) as {
  record: ApprovalRecord;
  pending: { text: string; blocks: object[] };
  approved: { text: string; blocks: object[] };
};

function slackConfig(apiUrl: string, approval: Record<string, unknown> = {}): HubConfigInput {
  return {
    approval,
    decisionLinks: { signingKey: 'a-slack-test-signing-key-0123456789abcdef' },
    notifications: {
      publicUrl: 'https://hub.example.com',
      channels: [
        {
          name: 'slack-approvals',
          kind: 'slack',
          botToken: 'xoxb-test-bot-token',
          signingSecret,
          channel: 'C0APPROVALS',
          apiUrl,
          users: [
            { slackUserId: 'U0ALICE', reviewer: 'alice' },
            { slackUserId: 'U0OLGA', reviewer: 'olga' },
          ],
        },
      ],
      routes: [{ match: {}, channels: ['slack-approvals'] }],
      delivery: { backoffBaseMs: 40, backoffMaxMs: 200, pollIntervalMs: 50, timeoutMs: 2000 },
    },
  } as HubConfigInput;
}

let hub: TestHub | undefined;
let slack: FakeSlack | undefined;
afterEach(async () => {
  await hub?.close();
  await slack?.close();
  hub = undefined;
  slack = undefined;
});

async function setUp(approval: Record<string, unknown> = {}, limits: Record<string, unknown> = {}) {
  slack = await startFakeSlack();
  hub = await startTestHub({ ...slackConfig(slack.apiUrl, approval), limits });
  return { hub, slack };
}

async function ask(overrides: Record<string, unknown> = {}) {
  const input = newRequest({ summary: 'Delete a crash-looping pod', ...overrides });
  expect((await api(hub!, 'POST', '/api/approvals', tokens.agent, input)).status).toBe(201);
  await eventually(() => slack!.callsTo('chat.postMessage').some((c) => JSON.stringify(c.args.blocks).includes(input.requestId)));
  return input.requestId;
}

const postedFor = (requestId: string) => slack!.callsTo('chat.postMessage').find((c) => JSON.stringify(c.args.blocks).includes(requestId))!;
const updatesFor = (requestId: string) => slack!.callsTo('chat.update').filter((c) => c.args.ts === postedFor(requestId).result?.ts);

describe('Slack', () => {
  it('renders the Block Kit message in the fixture: tool, agent, arguments, deadline, Approve / Deny / Open in console', () => {
    expect(slackMessage(fixture.record, 'https://hub.example.com/#/queue')).toEqual(fixture.pending);
    const actions = fixture.pending.blocks.find((b) => (b as { type: string }).type === 'actions') as { elements: { action_id: string; text: { text: string }; url?: string }[] };
    expect(actions.elements.map((e) => e.text.text)).toEqual(['Approve', 'Deny', 'Open in console']);
    expect(JSON.stringify(fixture.approved.blocks)).toContain('Approved* by Alice');
    expect(JSON.stringify(fixture.approved.blocks)).not.toContain('"actions"');
  });

  it('posts one message per request with the bot token, to the configured channel', async () => {
    await setUp();
    const requestId = await ask();
    const post = postedFor(requestId);
    expect(post).toMatchObject({ token: 'xoxb-test-bot-token', args: { channel: 'C0APPROVALS' } });
    const record = (await hub!.record(requestId))!;
    // Its buttons carry the request's id and the digest of the arguments shown, sealed by the hub.
    expect(post.args.blocks).toEqual(slackMessage(record, 'https://hub.example.com/#/queue', false, await hub!.hub.decisionLinks.sealButton(record)).blocks);
  });

  it('refuses a bad or stale signature before reading the payload, and decides nothing', async () => {
    await setUp();
    const requestId = await ask();
    const press = { userId: 'U0ALICE', actionId: 'approval.approve', requestId };
    expect((await pressSlackButton(hub!.url, 'not-the-signing-secret', press)).status).toBe(401);
    expect((await pressSlackButton(hub!.url, signingSecret, press, { timestamp: Math.floor(Date.now() / 1000) - 301 })).status).toBe(401);
    expect((await pressSlackButton(hub!.url, signingSecret, press, { signature: 'v0=deadbeef' })).status).toBe(401);
    expect((await hub!.record(requestId))!.status).toBe('pending');
    expect(slack!.callsTo('chat.postEphemeral')).toHaveLength(0);
  });

  it('counts bad signatures against the caller, like bad tokens', async () => {
    await setUp({}, { authFailureBurst: 2, authFailuresPerMinute: 1 });
    const press = { userId: 'U0ALICE', actionId: 'approval.approve', requestId: 'whatever' };
    expect((await pressSlackButton(hub!.url, 'wrong-secret-1', press)).status).toBe(401);
    expect((await pressSlackButton(hub!.url, 'wrong-secret-2', press)).status).toBe(401);
    expect((await pressSlackButton(hub!.url, 'wrong-secret-3', press)).status).toBe(429);
  });

  it('an unmapped or out-of-queue Slack user gets an ephemeral "not allowed" and decides nothing', async () => {
    await setUp();
    const requestId = await ask();
    expect((await pressSlackButton(hub!.url, signingSecret, { userId: 'U0MALLORY', actionId: 'approval.approve', requestId })).status).toBe(200);
    // Olga reviews only the "ops" queue; this request is in "default".
    expect((await pressSlackButton(hub!.url, signingSecret, { userId: 'U0OLGA', actionId: 'approval.deny', requestId })).status).toBe(200);
    const ephemerals = slack!.callsTo('chat.postEphemeral');
    expect(ephemerals.map((c) => c.args.user)).toEqual(['U0MALLORY', 'U0OLGA']);
    for (const call of ephemerals) expect(call.args).toMatchObject({ channel: 'C0APPROVALS', text: expect.stringMatching(/not allowed/) });
    expect((await hub!.record(requestId))!.status).toBe('pending');
  });

  it('a mapped reviewer decides from Slack as themselves, and the message is updated with the outcome', async () => {
    await setUp();
    const requestId = await ask();
    expect((await pressSlackButton(hub!.url, signingSecret, { userId: 'U0ALICE', actionId: 'approval.approve', requestId })).status).toBe(200);
    const record = (await hub!.record(requestId))!;
    expect(record).toMatchObject({ status: 'approved', decision: { decidedBy: { kind: 'reviewer', id: 'alice', name: 'Alice' } } });
    await eventually(() => updatesFor(requestId).length === 1);
    const update = updatesFor(requestId)[0]!;
    expect(update.args).toMatchObject({ channel: 'C0APPROVALS', ts: postedFor(requestId).result!.ts });
    expect(JSON.stringify(update.args.blocks)).toContain(requestId);
    expect(JSON.stringify(update.args.blocks)).toContain('Approved* by Alice');
    expect(JSON.stringify(update.args.blocks)).not.toContain('approval.approve');
    // A second press: already decided, said privately; nothing changes.
    await pressSlackButton(hub!.url, signingSecret, { userId: 'U0ALICE', actionId: 'approval.deny', requestId });
    expect(slack!.callsTo('chat.postEphemeral').at(-1)!.args.text).toMatch(/already decided/);
    expect((await hub!.record(requestId))!.status).toBe('approved');
  });

  it('"Open in console" answers a mapped reviewer, privately, with their own decision link; others get "not allowed"', async () => {
    await setUp();
    const requestId = await ask();
    await pressSlackButton(hub!.url, signingSecret, { userId: 'U0ALICE', actionId: 'approval.open', requestId });
    await pressSlackButton(hub!.url, signingSecret, { userId: 'U0MALLORY', actionId: 'approval.open', requestId });
    const [toAlice, toMallory] = slack!.callsTo('chat.postEphemeral');
    expect(toAlice!.args).toMatchObject({ user: 'U0ALICE', channel: 'C0APPROVALS' });
    expect(toMallory!.args).toMatchObject({ user: 'U0MALLORY', text: expect.stringMatching(/not allowed/) });
    const link = /https:\/\/hub\.example\.com\/d\/(\S+)/.exec(String(toAlice!.args.text));
    expect(link).not.toBeNull();
    const view = await api(hub!, 'GET', `/api/decision-links/${link![1]}`, null);
    expect(view).toMatchObject({ status: 200, body: { reviewer: { id: 'alice' }, record: { requestId } } });
    // Nothing was decided by asking.
    expect((await hub!.record(requestId))!.status).toBe('pending');
  });

  it('updates the message when the request is decided elsewhere, cancelled, or expires', async () => {
    await setUp({ minTimeoutMs: 1000 });
    const inConsole = await ask();
    const cancelled = await ask();
    const expiring = await ask({ timeoutMs: 1000 });
    expect((await api(hub!, 'POST', `/api/approvals/${inConsole}/decision`, tokens.reviewer2, { approved: false, reason: 'not today' })).status).toBe(200);
    expect((await api(hub!, 'POST', `/api/approvals/${cancelled}/cancel`, tokens.agent)).status).toBe(200);
    await eventually(() => updatesFor(inConsole).length === 1 && updatesFor(cancelled).length === 1);
    expect(JSON.stringify(updatesFor(inConsole)[0]!.args.blocks)).toContain('Denied* by Bob');
    expect(JSON.stringify(updatesFor(cancelled)[0]!.args.blocks)).toContain('Cancelled');
    await eventually(() => updatesFor(expiring).length === 1, 5000);
    expect(JSON.stringify(updatesFor(expiring)[0]!.args.blocks)).toContain('Expired');
  });
});
