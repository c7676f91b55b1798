import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { isOriginAllowed, originPolicyOf } from '../../src/http/origin-policy.js';
import { startTestHub, tokens, type TestHub } from '../support/test-hub.js';
import { callFrom } from './client-from.js';

/** Issue #24: no source maps served, and a Host equal to the Origin is no proof on its own. */
let hub: TestHub | null = null;
afterEach(async () => {
  await hub?.close();
  hub = null;
});

describe('limits: origin policy and the console files', () => {
  it('a foreign name pointed at the hub (DNS rebinding) is refused even when Host equals Origin', async () => {
    hub = await startTestHub({ decisionLinks: { publicUrl: 'https://hub.example.com' } });
    const call = (origin: string, host: string) => callFrom('127.0.0.1', `${hub!.url}/api/me`, 'GET', tokens.reviewer, undefined, { origin, host });
    expect((await call('http://evil.example:4000', 'evil.example:4000')).status).toBe(403);
    expect((await call('https://hub.example.com', 'hub.example.com')).status).toBe(200);
    expect((await call(hub.url, new URL(hub.url).host)).status).toBe(200);
    // Without an Origin (agents, curl) nothing changes.
    expect((await callFrom('127.0.0.1', `${hub.url}/api/me`, 'GET', tokens.reviewer, undefined, { host: 'evil.example:4000' })).status).toBe(200);
  });

  it('the policy: loopback names and the configured public origin are the hub\'s own; the allow-list is exact', () => {
    const policy = originPolicyOf(parseConfig({ host: '0.0.0.0', allowedOrigins: ['https://console.example.com'], notifications: undefined, decisionLinks: { publicUrl: 'https://hub.example.com:8443' } }));
    expect(isOriginAllowed('https://hub.example.com:8443', 'hub.example.com:8443', policy)).toBe(true);
    expect(isOriginAllowed('http://localhost:4000', 'localhost:4000', policy)).toBe(true);
    expect(isOriginAllowed('http://[::1]:4000', '[::1]:4000', policy)).toBe(true);
    expect(isOriginAllowed('https://console.example.com', 'hub.example.com:8443', policy)).toBe(true);
    expect(isOriginAllowed('http://attacker.example', 'attacker.example', policy)).toBe(false);
    expect(isOriginAllowed('http://10.1.2.3:4000', '10.1.2.3:4000', policy)).toBe(false);
    expect(isOriginAllowed(undefined, 'attacker.example', policy)).toBe(true);
  });

  it('serves the console but never a source map', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-console-'));
    const consoleDir = path.join(dir, 'no-console');
    mkdirSync(path.join(consoleDir, 'assets'), { recursive: true });
    writeFileSync(path.join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(consoleDir, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(path.join(consoleDir, 'assets', 'index-abc.js.map'), '{"version":3,"sources":["secret.ts"]}');
    hub = await startTestHub({}, { dir });
    expect((await fetch(`${hub.url}/assets/index-abc.js`)).status).toBe(200);
    const map = await fetch(`${hub.url}/assets/index-abc.js.map`);
    expect(map.status).toBe(404);
    expect(await map.text()).not.toContain('secret.ts');
  });
});
