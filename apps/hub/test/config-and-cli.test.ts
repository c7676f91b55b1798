import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../src/config.js';
import { runCli, startHubProcess } from './support/run-cli.js';

const dirs: string[] = [];
function tempDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-cli-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('config', () => {
  it('fills the documented defaults', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      port: 4000,
      database: { kind: 'sqlite', path: './data/approval-hub.db', durability: 'normal' },
      approval: { defaultTimeoutMs: 300_000, defaultOnTimeout: 'deny' },
      limits: { maxPayloadBytes: 65_536 },
    });
  });

  it('takes the demo model from OPENAI_BASE_URL, OPENAI_API_KEY and DEMO_MODEL, and stays scripted without them', () => {
    expect(loadConfig([], {}).config.demo.model).toBeUndefined();
    expect(loadConfig([], { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', DEMO_MODEL: 'llama3.1' }).config.demo.model).toEqual({ baseURL: 'http://127.0.0.1:11434/v1', model: 'llama3.1' });
    expect(loadConfig([], { OPENAI_BASE_URL: 'https://api.example.test/v1', OPENAI_API_KEY: 'sk-test-key' }).config.demo.model).toEqual({ baseURL: 'https://api.example.test/v1', model: 'gpt-4o-mini', apiKey: 'sk-test-key' });
    expect(() => loadConfig([], { OPENAI_BASE_URL: 'not a url' })).toThrow(/demo\.model\.baseURL/);
  });

  it('says that dev tokens cannot receive email, when an email recipient names one', () => {
    const email = { name: 'mail', kind: 'email', smtp: { host: '127.0.0.1', port: 2525 }, from: 'hub@example.test', to: [{ address: 'ann@example.test', reviewer: 'dev-reviewer' }] };
    expect(() => parseConfig({ notifications: { publicUrl: 'http://127.0.0.1:4000', channels: [email] } })).toThrow(/notifications\.channels\.0\.to\.0\.reviewer: "dev-reviewer" .*dev tokens .* cannot receive email/);
    const tokens = [{ token: 'reviewer-token-0123456789', role: 'reviewer', name: 'Ann', id: 'ann' }];
    expect(() => parseConfig({ tokens, notifications: { publicUrl: 'http://127.0.0.1:4000', channels: [{ ...email, to: [{ address: 'bob@example.test', reviewer: 'bob' }] }] } })).toThrow(/"bob" is not the id of a reviewer or admin token in "tokens" \(ids: ann\)/);
  });

  it('names every bad field', () => {
    expect(() => parseConfig({ port: 'x', approval: { defaultOnTimeout: 'maybe' }, tokens: [{ token: 'short', role: 'agent', name: 'a' }] })).toThrow(
      /port: .*\n.*tokens\.0\.token: tokens must be at least 16 characters|approval\.defaultOnTimeout/s,
    );
    try {
      parseConfig({ approval: { defaultOnTimeout: 'maybe' } });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('approval.defaultOnTimeout');
    }
  });

  it('layers flags over env over the file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'hub.json');
    writeFileSync(file, JSON.stringify({ port: 5000, dbPath: 'db/hub.db' }));
    expect(loadConfig(['--config', file], {}).config).toMatchObject({ port: 5000, database: { kind: 'sqlite', path: path.join(dir, 'db/hub.db') } });
    expect(loadConfig([], { HUB_CONFIG: file, PORT: '6000', HUB_DB: '/tmp/x.db' }).config).toMatchObject({ port: 6000, database: { path: '/tmp/x.db' } });
    expect(loadConfig(['--config', file, '--port', '7000', '--no-demo'], { PORT: '6000' }).config).toMatchObject({ port: 7000, demo: { enabled: false } });
    expect(loadConfig(['--config', file], {}).config.host).toBe('127.0.0.1');
    expect(loadConfig(['--config', file], { HUB_HOST: '0.0.0.0' }).config.host).toBe('0.0.0.0');
    expect(loadConfig(['--config', file, '--host', '::'], { HUB_HOST: '0.0.0.0' }).config.host).toBe('::');
  });
});

describe('the approval-hub command', () => {
  it('fails at start with a message naming the bad field', () => {
    const dir = tempDir();
    const file = path.join(dir, 'hub.json');
    writeFileSync(file, JSON.stringify({ durability: 'sometimes' }));
    const result = runCli(['--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('durability');
  });

  it('starts on a fresh data directory with dev tokens, serves health, and stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const hub = startHubProcess(['--port', '0', '--db', path.join(dir, 'data', 'hub.db'), '--no-demo']);
    const url = await hub.ready;
    const tokens = JSON.parse(readFileSync(path.join(dir, 'data', 'dev-tokens.json'), 'utf8')) as { token: string; role: string }[];
    const reviewer = tokens.find((t) => t.role === 'reviewer')!;
    expect(hub.output()).toContain(`${url}/#token=${reviewer.token}`);
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${reviewer.token}` } });
    expect(await me.json()).toMatchObject({ role: 'reviewer' });
    // Tokens never appear in the structured logs.
    const logLines = hub.output().split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    for (const token of tokens) expect(logLines.join('\n')).not.toContain(token.token);
    expect(await hub.stop('SIGTERM')).toBe(0);
  });
});
