import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { slackSignature } from '../../src/notifications/slack-signature.js';

export interface SlackCall {
  method: string;
  /** The bot token the call carried. */
  token: string | undefined;
  args: Record<string, unknown>;
  /** What this fake answered. */
  result?: Record<string, unknown>;
}

/**
 * A local stand-in for Slack's Web API (the methods the hub calls: chat.postMessage, chat.update,
 * chat.postEphemeral), answering as Slack documents, and a way to send signed interactivity payloads to a hub.
 */
export interface FakeSlack {
  apiUrl: string;
  calls: SlackCall[];
  callsTo(method: string): SlackCall[];
  close(): Promise<void>;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  let ts = 1_700_000_000;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
      // The client sends form encoding, with structured arguments (blocks) as JSON text.
      const args: Record<string, unknown> = {};
      const type = req.headers['content-type'] ?? '';
      if (type.startsWith('application/json')) Object.assign(args, JSON.parse(raw));
      else for (const [key, value] of new URLSearchParams(raw)) args[key] = key === 'blocks' ? JSON.parse(value) : value;
      const token = req.headers.authorization?.replace(/^Bearer /, '');
      const call: SlackCall = { method, token, args };
      calls.push(call);
      const answer = (body: Record<string, unknown>) => {
        call.result = body;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (token !== 'xoxb-test-bot-token') return answer({ ok: false, error: 'invalid_auth' });
      switch (method) {
        case 'chat.postMessage':
          return answer({ ok: true, channel: args.channel, ts: `${ts++}.000100`, message: { text: args.text } });
        case 'chat.update':
          return answer({ ok: true, channel: args.channel, ts: args.ts, text: args.text });
        case 'chat.postEphemeral':
          return answer({ ok: true, message_ts: `${ts++}.000200` });
        default:
          return answer({ ok: false, error: 'unknown_method' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends a button press as Slack does: form-encoded `payload`, signed with the signing secret. */
export async function pressSlackButton(hubUrl: string, signingSecret: string, press: { userId: string; actionId: string; requestId: string; channelId?: string; /** The button's value as posted (default: the bare request id). */ value?: string }, options: { timestamp?: number; signature?: string } = {}) {
  const payload = {
    type: 'block_actions',
    user: { id: press.userId, username: press.userId, team_id: 'T0001' },
    api_app_id: 'A0001',
    team: { id: 'T0001', domain: 'example' },
    channel: { id: press.channelId ?? 'C0APPROVALS', name: 'approvals' },
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: press.channelId ?? 'C0APPROVALS' },
    trigger_id: '123.456.abc',
    response_url: 'https://hooks.slack.com/actions/T0001/1/xyz',
    actions: [{ type: 'button', block_id: 'approval', action_id: press.actionId, value: press.value ?? press.requestId, action_ts: '1700000001.000300' }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const res = await fetch(`${hubUrl}/api/slack/interactions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': options.signature ?? slackSignature(signingSecret, timestamp, body),
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}
