import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';
import { runCli } from './support/run-cli.js';

/** Issue #9: the config refuses tokens that would share a principal, and `queues` on an admin token. */
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const token = (n: number) => `config-token-${n}-0123456789`;
const refusal = (input: unknown) => {
  try {
    parseConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the config was accepted');
};

describe('token config refusals', () => {
  it('refuses two tokens with the same principal id, whether set as id or defaulted from the name', () => {
    expect(refusal({ tokens: [{ token: token(1), role: 'reviewer', name: 'Alice', id: 'alice' }, { token: token(2), role: 'admin', name: 'Root', id: 'alice' }] })).toMatch(
      /tokens\.1\.id: principal id "alice" is already used by tokens\[0\]/,
    );
    expect(refusal({ tokens: [{ token: token(1), role: 'agent', name: 'bot' }, { token: token(2), role: 'agent', name: 'bot' }] })).toMatch(/tokens\.1\.name: principal id "bot"/);
    expect(refusal({ tokens: [{ token: token(1), role: 'agent', name: 'x', id: 'bot' }, { token: token(2), role: 'agent', name: 'bot' }] })).toMatch(/principal id "bot"/);
    expect(parseConfig({ tokens: [{ token: token(1), role: 'agent', name: 'bot' }, { token: token(2), role: 'agent', name: 'bot', id: 'bot-2' }] }).tokens).toHaveLength(2);
  });

  it('refuses queues on an admin token, saying why; accepts them on reviewer and agent tokens', () => {
    const message = refusal({ tokens: [{ token: token(1), role: 'admin', name: 'Root', queues: ['ops'] }] });
    expect(message).toContain('tokens.0.queues');
    expect(message).toMatch(/admin token sees and decides every queue/);
    expect(parseConfig({ tokens: [{ token: token(1), role: 'reviewer', name: 'Olga', queues: ['ops'] }, { token: token(2), role: 'agent', name: 'bot', queues: ['ops'] }] }).tokens).toHaveLength(2);
  });

  it('validates the new limits with defaults', () => {
    expect(parseConfig({}).limits).toMatchObject({ maxSocketsPerToken: 50, maxConnections: 10_000, maxIdleConnections: 256, headersTimeoutMs: 10_000, authFailureBurst: 100, authFailuresPerMinute: 60 });
    expect(refusal({ limits: { maxSocketsPerToken: 0 } })).toContain('limits.maxSocketsPerToken');
    expect(refusal({ limits: { headersTimeoutMs: 10 } })).toContain('limits.headersTimeoutMs');
  });

  it('the approval-hub command refuses such a config at start, exit 2, naming the field', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-config-'));
    dirs.push(dir);
    const file = path.join(dir, 'hub.json');
    writeFileSync(file, JSON.stringify({ tokens: [{ token: token(1), role: 'reviewer', name: 'Alice' }, { token: token(2), role: 'admin', name: 'Alice' }] }));
    const result = runCli(['--config', file, '--no-demo']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('tokens.1.name: principal id "Alice"');
  });
});
