import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliPath, runCli } from './support/run-cli.js';
import { allRequests, api, newRequest, startTestHub, tokens, withStore, type TestHub } from './support/test-hub.js';

/** The CLI as a child process, without blocking this process's event loop (the hub under load lives here). */
function runCliAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Agents asking and a reviewer deciding, as fast as they can, until `stop` resolves. */
async function load(hub: TestHub, stop: Promise<unknown>): Promise<number> {
  let done = false;
  // The load stops when `stop` settles either way; the caller awaits `stop` itself and sees its failure.
  const finish = () => {
    done = true;
  };
  stop.then(finish, finish);
  let requests = 0;
  const worker = async () => {
    while (!done) {
      const input = newRequest({ args: { payload: 'x'.repeat(2000), n: requests } });
      const created = await api(hub, 'POST', '/api/approvals', tokens.agent, input);
      expect(created.status).toBe(201);
      requests++;
      if (requests % 2 === 0) await api(hub, 'POST', `/api/approvals/${input.requestId}/decision`, tokens.reviewer, { approved: true });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return requests;
}

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

describe('backup and restore', () => {
  it('a backup taken under load, while the hub holds the lock, opens and verifies; restore refuses while the hub runs and works once it stopped', async () => {
    // The load writes as fast as it can: the per-token byte budget is not what this test is about.
    hub = await startTestHub({ limits: { maxPendingPerAgent: 100_000, ratePerSecond: 10_000, rateBurst: 10_000, writeBytesPerMinute: 1024 * 1024 * 1024 } });
    const { dbPath, dir } = hub;
    // Some data first, so the copy takes a moment.
    await load(hub, new Promise((r) => setTimeout(r, 500)));
    const out = path.join(dir, 'backup.db');
    const backup = runCliAsync(['backup', '--out', out, '--db', dbPath]);
    const during = await load(hub, backup);
    const result = await backup;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(during).toBeGreaterThan(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; head: { seq: number }; verify: { ok: boolean; statesChecked: number } };
    expect(report.ok).toBe(true);
    expect(report.verify.ok).toBe(true);
    expect(report.verify.statesChecked).toBeGreaterThan(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    // One self-contained file: no WAL beside it.
    expect(existsSync(`${out}-wal`)).toBe(false);
    // (async: a blocked event loop would let the load's keep-alive connections time out under it)
    expect((await runCliAsync(['audit', 'verify', '--db', out])).code).toBe(0);
    // Never overwrites.
    expect((await runCliAsync(['backup', '--out', out, '--db', dbPath])).code).toBe(1);

    const refused = await runCliAsync(['restore', '--from', out, '--db', dbPath]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/in use by another running hub/);

    await load(hub, new Promise((r) => setTimeout(r, 200)));
    await hub.stop();
    const restored = runCli(['restore', '--from', out, '--db', dbPath]);
    expect(restored.code).toBe(0);
    expect(restored.stderr).toMatch(new RegExp(`audit head \\(seq ${report.head.seq}\\) is now recorded in .*\\.lock`));
    // The hub starts on the restored (older) database instead of refusing it as replaced, and it verifies.
    hub = await hub.restart();
    const atBackup = await withStore(out, async (store) => (await allRequests(store)).length);
    expect((await allRequests(hub.store)).length).toBe(atBackup);
    expect((await api(hub, 'GET', '/api/audit/verify', tokens.admin)).body).toMatchObject({ ok: true, head: { seq: report.head.seq } });
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).status).toBe(201);
  }, 60_000);

  it('restore refuses a backup that does not verify', async () => {
    hub = await startTestHub();
    await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest());
    const out = path.join(hub.dir, 'b.db');
    expect(runCli(['backup', '--out', out, '--db', hub.dbPath]).code).toBe(0);
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(out);
    db.prepare(`UPDATE approvals SET tool_name = 'changed'`).run();
    db.close();
    await hub.stop();
    const refused = runCli(['restore', '--from', out, '--db', hub.dbPath]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/does not verify/);
  });

  it('backup into a folder that does not exist names the folder, and writes nothing', async () => {
    hub = await startTestHub();
    await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest());
    const missing = path.join(hub.dir, 'backups', 'nightly');
    const refused = runCli(['backup', '--out', path.join(missing, 'x.db'), '--db', hub.dbPath]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`The folder ${missing} does not exist`);
    expect(existsSync(path.join(hub.dir, 'backups'))).toBe(false);
  });
});
