import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, type Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliPath, crashMainPath, mainPath, startHubProcess } from './support/run-cli.js';

/** Issue #9, the parts about the process: HUB_CRASH_AT, dev tokens and file modes, and idle connections under a descriptor limit. */
const dirs: string[] = [];
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-hardening-'));
  dirs.push(dir);
  return dir;
}

const AGENT = 'hardening-agent-token-0123456789';
const REVIEWER = 'hardening-reviewer-token-0123456789';

function writeConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'hub.json');
  writeFileSync(
    file,
    JSON.stringify({
      host: '127.0.0.1',
      port: 0,
      dbPath: path.join(dir, 'hub.db'),
      demo: { enabled: false },
      logLevel: 'warn',
      tokens: [
        { token: AGENT, role: 'agent', name: 'agent' },
        { token: REVIEWER, role: 'reviewer', name: 'Reviewer', id: 'reviewer' },
      ],
      ...extra,
    }),
  );
  return file;
}

function started(entry: string, args: string[], env: Record<string, string> = {}) {
  const proc = startHubProcess(args, env, entry);
  stops.push(async () => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) await proc.stop('SIGKILL');
  });
  return proc;
}

const exited = (child: ReturnType<typeof startHubProcess>['child']) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.signalCode ?? child.exitCode)
    : new Promise<string | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));

async function requestApproval(url: string, n: number) {
  return fetch(`${url}/api/approvals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${AGENT}`, 'content-type': 'application/json' },
    body: JSON.stringify({ requestId: `hardening-${n}`, toolName: 'delete_pod', args: { name: 'web' }, runId: 'run-1' }),
  });
}

describe('HUB_CRASH_AT is honoured only by the test entry', () => {
  it('the production entry (the approval-hub bin) with HUB_CRASH_AT set neither arms nor crashes', async () => {
    const dir = tempDir();
    const hub = started(cliPath, ['--config', writeConfig(dir)], { HUB_CRASH_AT: 'request.after-commit:1' });
    const url = await hub.ready;
    const res = await requestApproval(url, 1);
    expect(res.status).toBe(201);
    await new Promise((r) => setTimeout(r, 200));
    expect(hub.child.exitCode).toBeNull();
    expect(hub.child.signalCode).toBeNull();
    expect(hub.output()).not.toContain('crash-hook');
    expect(hub.output()).not.toContain('HUB_CRASH_AT');
  });

  it('the test entry (dist/testing/crash-main.js) arms and dies at the point', async () => {
    const dir = tempDir();
    const hub = started(crashMainPath, ['--config', writeConfig(dir)], { HUB_CRASH_AT: 'request.after-commit:1' });
    const url = await hub.ready;
    expect(hub.output()).toContain('crash-hook.armed');
    await requestApproval(url, 1).catch(() => undefined);
    expect(await exited(hub.child)).toBe('SIGKILL');
  });

  it('the production sources never read HUB_CRASH_AT', () => {
    for (const file of ['main.js', 'cli.js']) expect(readFileSync(path.join(path.dirname(mainPath), file), 'utf8')).not.toMatch(/crashAt|HUB_CRASH_AT|crashHookAt/);
  });
});

describe('dev tokens are loaded only from a private file', () => {
  const run = (dataDir: string) => spawnSync(process.execPath, [mainPath, '--port', '0', '--db', path.join(dataDir, 'hub.db'), '--no-demo'], { encoding: 'utf8', timeout: 20_000 });

  it('on a fresh start: data directory 0700, database and tokens 0600, and the banner shows only the reviewer link', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const hub = started(mainPath, ['--port', '0', '--db', path.join(dataDir, 'hub.db'), '--no-demo']);
    const url = await hub.ready;
    const file = path.join(dataDir, 'dev-tokens.json');
    const tokens = JSON.parse(readFileSync(file, 'utf8')) as { token: string; role: string }[];
    const banner = hub.output();
    expect(banner).toContain(`${url}/#token=${tokens.find((t) => t.role === 'reviewer')!.token}`);
    for (const t of tokens.filter((t) => t.role !== 'reviewer')) expect(banner, `${t.role} token printed`).not.toContain(t.token);
    expect(banner).toContain(file);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const name of ['dev-tokens.json', 'hub.db', 'hub.db-wal', 'hub.db-shm']) {
      const p = path.join(dataDir, name);
      if (name === 'dev-tokens.json' || name === 'hub.db') expect(existsSync(p), name).toBe(true);
      if (existsSync(p)) expect(statSync(p).mode & 0o777, name).toBe(0o600);
    }
  });

  it('with configured tokens too, a new data directory is 0700 and the database files 0600 (umask 077)', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'fresh', 'data');
    const hub = started(mainPath, ['--config', writeConfig(dir), '--db', path.join(dataDir, 'hub.db')]);
    const url = await hub.ready;
    expect((await requestApproval(url, 1)).status).toBe(201);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const name of ['hub.db', 'hub.db-wal', 'hub.db-shm']) expect(statSync(path.join(dataDir, name)).mode & 0o777, name).toBe(0o600);
  });

  it('refuses a data directory other users can write, naming it and the fix, exit 2', () => {
    const dataDir = path.join(tempDir(), 'data');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o777);
    const result = run(dataDir);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(dataDir);
    expect(result.stderr).toContain('chmod go-w');
    expect(existsSync(path.join(dataDir, 'dev-tokens.json'))).toBe(false);
  });

  it('refuses a tokens file others can read, naming it and the fix, exit 2', () => {
    const dataDir = path.join(tempDir(), 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    const file = path.join(dataDir, 'dev-tokens.json');
    writeFileSync(file, JSON.stringify([{ token: 'planted-admin-token-0123456789', role: 'admin', name: 'Planted' }]), { mode: 0o644 });
    chmodSync(file, 0o644);
    const result = run(dataDir);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(file);
    expect(result.stderr).toContain(`chmod 600 ${file}`);
  });

  it('refuses a tokens file that is a symlink', () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    const elsewhere = path.join(dir, 'planted.json');
    writeFileSync(elsewhere, JSON.stringify([{ token: 'planted-admin-token-0123456789', role: 'admin', name: 'Planted' }]), { mode: 0o600 });
    symlinkSync(elsewhere, path.join(dataDir, 'dev-tokens.json'));
    const result = run(dataDir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('not a regular file');
  });

  it.runIf(process.getuid?.() === 0)('refuses a tokens file owned by another user (run as root: the file is chowned away)', () => {
    const dataDir = path.join(tempDir(), 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    const file = path.join(dataDir, 'dev-tokens.json');
    writeFileSync(file, JSON.stringify([{ token: 'planted-admin-token-0123456789', role: 'admin', name: 'Planted' }]), { mode: 0o600 });
    chownSync(file, 12345, 12345);
    const result = run(dataDir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('owned by uid 12345');
  });
});

describe('idle connections cannot starve /api/health under a file-descriptor limit', () => {
  it('with `ulimit -n 200`, 300 idle connections leave /api/health answering', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, { limits: { maxIdleConnections: 50 } });
    const child = spawn('/bin/sh', ['-c', 'ulimit -n 200 && exec "$0" "$@"', process.execPath, mainPath, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    stops.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let output = '';
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString();
        const match = /Approval Hub \S+ on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.once('exit', () => reject(new Error(output)));
    });
    const port = Number(new URL(url).port);
    const idle: NetSocket[] = [];
    stops.push(async () => {
      for (const s of idle) s.destroy();
    });
    await Promise.all(
      Array.from({ length: 300 }, () => new Promise<void>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => undefined);
        s.once('connect', () => resolve());
        s.once('close', () => resolve());
        idle.push(s);
      })),
    );
    // While descriptors are short the hub sheds the oldest idle connections (after a 1 s grace); health then answers.
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status, () => 0);
    }
    expect(status).toBe(200);
  }, 30_000);
});
