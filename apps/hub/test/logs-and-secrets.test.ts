import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger, resolveLogFormat, scrubSecrets } from '../src/runtime/logger.js';
import { startHubProcess } from './support/run-cli.js';

const dirs: string[] = [];
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('log format', () => {
  it('auto is pretty on a terminal and JSON otherwise; --log-format and HUB_LOG_FORMAT choose', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(loadConfig([], {}).config.logFormat).toBe('auto');
    expect(loadConfig(['--log-format', 'pretty'], {}).config.logFormat).toBe('pretty');
    expect(loadConfig([], { HUB_LOG_FORMAT: 'json' }).config.logFormat).toBe('json');
    expect(() => loadConfig(['--log-format', 'xml'], {})).toThrow(ConfigError);
    expect(() => loadConfig(['--log-format', 'xml'], {})).toThrow(/logFormat/);
  });

  it('json writes one JSON object a line; pretty writes lines for people', async () => {
    const json = capture();
    createLogger('info', json.stream, { format: 'json' }).info({ event: 'x.happened', n: 1 }, 'something happened');
    expect(JSON.parse(json.text().trim())).toMatchObject({ level: 30, event: 'x.happened', n: 1, msg: 'something happened' });
    const pretty = capture();
    createLogger('info', pretty.stream, { format: 'pretty' }).info({ event: 'x.happened' }, 'something happened');
    await new Promise((r) => setImmediate(r));
    expect(pretty.text()).toMatch(/INFO.*something happened/);
    expect(() => JSON.parse(pretty.text().trim())).toThrow();
  });
});

describe('secrets never reach a log line', () => {
  it('configured secrets and URL passwords are scrubbed from every line, whatever field they are in', () => {
    const secret = 'tok-0123456789abcdef-secret';
    expect(scrubSecrets(`{"msg":"failed for ${secret}","url":"postgres://hub:s3cr3t-pw@db:5432/hub"}`, [secret])).toBe('{"msg":"failed for [redacted]","url":"postgres://hub:[redacted]@db:5432/hub"}');
    const out = capture();
    const log = createLogger('info', out.stream, { format: 'json', secrets: () => [secret] });
    log.error({ err: new Error(`connect with ${secret} failed`), database: { url: 'postgresql://app:hunter22@localhost/hub' }, password: 'plain-password-1' }, `token ${secret}`);
    expect(out.text()).not.toContain(secret);
    expect(out.text()).not.toContain('hunter22');
    expect(out.text()).not.toContain('plain-password-1');
    expect(out.text()).toContain('[redacted]');
  });

  it('a real hub: dev tokens stay in dev-tokens.json; only the reviewer sign-in link shows one; no log line holds a token or API key', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-secrets-'));
    dirs.push(dir);
    const apiKey = 'sk-test-0123456789-never-log-me';
    const config = path.join(dir, 'hub.json');
    writeFileSync(config, JSON.stringify({ port: 0, dbPath: './data/hub.db', logLevel: 'debug', demo: { enabled: true, intervalMs: 200 } }));
    // The demo agents think with a model that is not there: their failures get logged, with the API key nearby.
    const hub = startHubProcess(['--config', config, '--log-format', 'json'], { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: apiKey });
    stops.push(() => hub.stop());
    const url = await hub.ready;
    const tokens = JSON.parse(readFileSync(path.join(dir, 'data', 'dev-tokens.json'), 'utf8')) as { token: string; role: string }[];
    const byRole = (role: string) => tokens.find((t) => t.role === role)!.token;

    // Traffic that logs: good and bad tokens over REST and sockets, an admin reading metrics.
    for (const role of ['admin', 'reviewer', 'agent']) await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${byRole(role)}` } });
    await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${byRole('admin')}x` } });
    // A token is never taken from a URL (where proxies and browser history would keep it): only from the header.
    for (const query of ['token', 'access_token']) expect((await fetch(`${url}/api/me?${query}=${byRole('admin')}`)).status).toBe(401);
    expect((await fetch(`${url}/metrics?token=${byRole('admin')}`)).status).toBe(401);
    await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${byRole('admin')}` } });
    const socket = io(`${url}/reviewer`, { auth: { token: byRole('reviewer') }, transports: ['websocket'] });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.disconnect();
    await new Promise((r) => setTimeout(r, 2500));
    await hub.stop();

    const output = hub.output();
    // The banner's lines are indented; everything else is a log line.
    const banner = output.split('\n').filter((l) => l.startsWith('  ')).join('\n');
    const lines = output.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('  '));
    const signIn = `${url}/#token=${byRole('reviewer')}`;
    expect(banner).toContain(signIn);
    expect(banner).toContain(path.join(dir, 'data', 'dev-tokens.json'));
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(output.split(byRole('reviewer')).length - 1, 'the reviewer token appears once: in the sign-in link').toBe(1);
    for (const secret of [byRole('admin'), byRole('agent'), apiKey]) expect(output).not.toContain(secret);
  }, 30_000);
});
