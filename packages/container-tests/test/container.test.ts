import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@approval-hub/test-ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cleanCopy } from './clean-copy.js';
import { dockerInstructions, runtimeEnv } from './dockerfile.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const STEPS = 'deploy/container/container-steps.sh';
const dockerfile = dockerInstructions(readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8'));
const lastStage = dockerfile.slice(dockerfile.map((i) => i.keyword).lastIndexOf('FROM'));
const argsOf = (keyword: string, instructions = dockerfile) =>
  instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('the Dockerfile', () => {
  it('builds in one stage and runs in another, through the same steps script the test below runs', () => {
    expect(argsOf('FROM')).toEqual(['node:20-bookworm-slim AS build', 'node:20-bookworm-slim AS runtime']);
    expect(argsOf('COPY')).toContain('. .');
    expect(argsOf('RUN').some((run) => run.endsWith(`sh ${STEPS} build /src /app`))).toBe(true);
    expect(argsOf('COPY', lastStage)).toEqual(['--from=build /app /app']);
    expect(argsOf('ENTRYPOINT', lastStage).map((a) => JSON.parse(a))).toEqual([
      ['sh', '/app/container-steps.sh', 'start'],
    ]);
  });

  it('runs as a non-root user, keeps its data in a volume and checks /api/health', () => {
    expect(argsOf('USER', lastStage)).toEqual(['hub']);
    expect(argsOf('VOLUME', lastStage)).toEqual(['/data']);
    expect(argsOf('HEALTHCHECK', lastStage)).toHaveLength(1);
    expect(argsOf('HEALTHCHECK', lastStage)[0]).toMatch(/CMD \["sh", "\/app\/container-steps.sh", "healthcheck"\]$/);
    expect(runtimeEnv(dockerfile)).toMatchObject({ HUB_HOST: '0.0.0.0', PORT: '4000' });
  });
});

describe('compose.yaml', () => {
  const compose = parse(readFileSync(path.join(repoRoot, 'compose.yaml'), 'utf8'));

  it('points the hub at PostgreSQL and starts it only once PostgreSQL is healthy', () => {
    const { hub, postgres } = compose.services;
    expect(hub.build).toBe('.');
    expect(hub.environment.DATABASE_URL).toMatch(/^postgres:\/\/approval_hub:.+@postgres:5432\/approval_hub$/);
    expect(hub.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(postgres.healthcheck.test.join(' ')).toContain('pg_isready');
  });

  it('keeps both services’ data in named volumes', () => {
    const named = Object.keys(compose.volumes);
    const mounted = (service: { volumes: string[] }) => service.volumes.map((v) => v.split(':')[0]);
    expect(mounted(compose.services.hub)).toEqual(['hub-data']);
    expect(mounted(compose.services.postgres)).toEqual(['postgres-data']);
    expect(named.sort()).toEqual(['hub-data', 'postgres-data']);
  });
});

async function healthWithin(url: string, ms: number, hub: ChildProcess, log: () => string): Promise<Response> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (hub.exitCode !== null) throw new Error(`the hub exited (${hub.exitCode}):\n${log()}`);
    const response = await fetch(url).catch(() => null);
    if (response?.ok) return response;
    if (Date.now() > deadline) throw new Error(`no healthy answer from ${url} within ${ms} ms:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the container steps, in a clean copy of the repository', () => {
  let scratch: string;
  let out: string;

  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'container-steps-'));
    const src = path.join(scratch, 'src');
    out = path.join(scratch, 'app');
    mkdirSync(src);
    cleanCopy(repoRoot, src);
    const build = spawnSync('sh', [path.join(src, STEPS), 'build', src, out], {
      cwd: src,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (build.status !== 0)
      throw new Error(`${STEPS} build failed (${build.status}):\n${(build.stdout + build.stderr).slice(-4000)}`);
  });

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('lays out the hub with its production dependencies only, and the built console beside it', () => {
    for (const file of [
      'container-steps.sh',
      'apps/hub/dist/cli.js',
      'apps/hub/node_modules/better-sqlite3/package.json',
      'apps/hub/node_modules/@approval-hub/protocol/dist/index.js',
      'apps/console/dist/index.html',
      // The client packages the hub serves at /downloads (packed by the hub's build).
      'apps/hub/dist/downloads/agent-sdk.tgz',
      'apps/hub/dist/downloads/mcp-proxy.tgz',
    ]) {
      expect(existsSync(path.join(out, file)), file).toBe(true);
    }
    for (const devOnly of ['vitest', 'typescript', '@types/node', 'socket.io-client']) {
      expect(existsSync(path.join(out, 'apps/hub/node_modules', devOnly)), devOnly).toBe(false);
    }
  });

  it('starts with the image’s environment, answers /api/health and the health check, and serves the console', async () => {
    const port = await freePort();
    const workdir = path.join(scratch, 'workdir');
    mkdirSync(workdir);
    // Only what the image sets (the port aside): nothing of this machine's HUB_* or DATABASE_URL leaks in.
    const env = { PATH: process.env.PATH ?? '', HOME: workdir, ...runtimeEnv(dockerfile), PORT: String(port) };
    const hub = spawn('sh', [path.join(out, 'container-steps.sh'), 'start', '--no-demo'], {
      cwd: workdir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    hub.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    hub.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise((resolve) => hub.once('exit', resolve));
    const healthcheck = () =>
      spawnSync('sh', [path.join(out, 'container-steps.sh'), 'healthcheck'], {
        env: { PATH: env.PATH, PORT: env.PORT },
      }).status;
    try {
      const health = await healthWithin(`http://127.0.0.1:${port}/api/health`, 60_000, hub, () => log);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      expect(healthcheck()).toBe(0);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(await page.text()).toMatch(/^<!doctype html>/i);
      // Run from the image's WORKDIR, the default database lands in ./data: the /data volume in the image.
      expect(existsSync(path.join(workdir, 'data', 'approval-hub.db'))).toBe(true);
      expect(log).toContain(`"host":"0.0.0.0"`);
    } finally {
      hub.kill('SIGTERM');
      await exited;
    }
    expect(healthcheck()).not.toBe(0);
  });
});
