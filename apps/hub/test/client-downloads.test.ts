import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './support/test-hub.js';

// The tarballs come from the hub's build (scripts/pack-client-downloads.mjs); `pnpm test` builds the hub first.
// packages/release-tests installs them with npm and runs the proxy from this URL with npx.
let hub: TestHub;
const scratch = mkdtempSync(path.join(tmpdir(), 'approval-hub-downloads-'));
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('GET /downloads/<name>.tgz', () => {
  for (const [file, name] of [
    ['mcp-proxy.tgz', '@approval-hub/mcp-proxy'],
    ['agent-sdk.tgz', '@approval-hub/agent-sdk'],
  ] as const) {
    it(`serves ${file} without a token: an npm tarball of ${name} that names no private package`, async () => {
      const res = await fetch(`${hub.url}/downloads/${file}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/gzip');
      const tarball = path.join(scratch, file);
      writeFileSync(tarball, Buffer.from(await res.arrayBuffer()));
      const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as Record<string, Record<string, string> | string>;
      expect(manifest.name).toBe(name);
      expect(manifest.devDependencies).toBeUndefined();
      expect(Object.keys((manifest.dependencies as Record<string, string> | undefined) ?? {}).filter((d) => d.startsWith('@approval-hub/'))).toEqual([]);
    });
  }

  it('answers not_found, naming what it serves, for any other name', async () => {
    const res = await fetch(`${hub.url}/downloads/protocol.tgz`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('not_found');
    expect(body.error.message).toContain('agent-sdk.tgz, mcp-proxy.tgz');
  });
});
