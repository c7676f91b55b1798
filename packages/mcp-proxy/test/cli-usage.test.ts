import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli-options.js';
import { proxyBin, tempDir } from './hub-fixture.js';

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [proxyBin, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 });

describe('command line', () => {
  it('exits 2 with a message naming the bad field of a config file', () => {
    const config = path.join(tempDir(), 'proxy.json');
    writeFileSync(config, JSON.stringify({ hub: 'http://localhost:4000', requireApproval: 'sometimes', tools: { write_file: { requireApproval: 'yes' } } }));
    const result = run(['--config', config, '--', 'true'], { HUB_AGENT_TOKEN: 'agent-token-0123456789' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`invalid config ${config}`);
    expect(result.stderr).toMatch(/^ {2}requireApproval: /m);
    expect(result.stderr).toMatch(/^ {2}tools\.write_file\.requireApproval: /m);
  });

  it('exits 2 without a token, without an upstream, or on an unknown flag', () => {
    expect(run(['--hub', 'http://localhost:4000', '--', 'true'])).toMatchObject({ status: 2, stderr: expect.stringContaining('HUB_AGENT_TOKEN') });
    expect(run(['--hub', 'http://localhost:4000'], { HUB_AGENT_TOKEN: 'agent-token-0123456789' })).toMatchObject({ status: 2, stderr: expect.stringContaining('no upstream server') });
    expect(run(['--hub', 'http://localhost:4000', '--bogus'], { HUB_AGENT_TOKEN: 'agent-token-0123456789' })).toMatchObject({ status: 2, stderr: expect.stringContaining('--bogus') });
    expect(run(['--hub', 'http://localhost:4000', '--mode', 'wait', '--', 'true'], { HUB_AGENT_TOKEN: 'agent-token-0123456789' })).toMatchObject({ status: 2, stderr: expect.stringContaining('--mode: expected one of block, pending-retry') });
  });

  it('merges flags over the file: per-tool overrides, mode and policy', () => {
    const config = path.join(tempDir(), 'proxy.json');
    writeFileSync(config, JSON.stringify({ hub: 'http://hub:4000', name: 'fs', mode: 'pending-retry', requireApproval: { tools: ['write_file'] }, tools: { move_file: { queue: 'risky' } } }));
    const command = parseCli(['--config', config, '--approve-tool', 'move_file', '--wait-ms', '30000', '--', 'npx', 'server'], { HUB_AGENT_TOKEN: 'agent-token-0123456789' });
    expect(command).toMatchObject({
      kind: 'proxy',
      hubUrl: 'http://hub:4000',
      token: 'agent-token-0123456789',
      name: 'fs',
      upstream: { kind: 'stdio', command: ['npx', 'server'] },
      settings: { mode: 'pending-retry', waitMs: 30000, requireApproval: { tools: ['write_file'] }, tools: { move_file: { queue: 'risky', requireApproval: true } } },
    });
  });
});
