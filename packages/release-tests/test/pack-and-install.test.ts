import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startHub, type HubProcess } from '@approval-hub/test-hub-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../../..');

interface Packed {
  name: string;
  version: string;
  tarball: string;
}

/** Packages used from the command line: their README shows a shell command; the installed bin is run instead. */
const CLIS: Record<string, { bin: string; prints: RegExp }> = {
  '@approval-hub/mcp-proxy': { bin: 'approval-hub-mcp', prints: /approval-hub-mcp --hub/ },
};

/** What each README example prints, and the tool whose request it leaves on the hub (requestId prefix). */
const EXAMPLES: Record<string, { prints: RegExp; request?: { toolName: string; prefix: string } }> = {
  '@approval-hub/protocol': { prints: /^req-\d+ is pending, expires at /m },
  '@approval-hub/agent-sdk': { prints: /^approved, run with \{"name":"web-1"\}$/m, request: { toolName: 'delete_pod', prefix: '' } },
  '@approval-hub/openai-agents': { prints: /^Pod web-1 is gone\.$/m, request: { toolName: 'delete_pod', prefix: 'openai-agents:call_' } },
  '@approval-hub/ai-sdk': { prints: /^Paid acme\.$/m, request: { toolName: 'send_payment', prefix: 'ai-sdk:call_' } },
  '@approval-hub/langgraph': { prints: /^Mail sent\.$/m, request: { toolName: 'send_email', prefix: 'langgraph:call_' } },
};

let work: string;
let packed: Packed[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'approval-hub-release-'));
  const { stdout } = await run(process.execPath, [join(root, 'scripts/release-pack.mjs'), join(work, 'tarballs')], { cwd: root });
  packed = JSON.parse(stdout) as Packed[];
}, 120_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** The versions the workspace builds and tests with, from the pnpm catalog. */
function catalogVersion(name: string): string {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const line = yaml.split('\n').find((l) => l.trim().replace(/"/g, '').startsWith(`${name}:`));
  if (!line) throw new Error(`${name} is not in the catalog`);
  return line.slice(line.lastIndexOf(':') + 1).trim();
}

async function tarList(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarball]);
  return stdout.split('\n').filter(Boolean);
}

async function tarRead(tarball: string, path: string): Promise<string> {
  const { stdout } = await run('tar', ['-xzOf', tarball, path]);
  return stdout;
}

function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (exports && typeof exports === 'object') return Object.values(exports).flatMap(exportTargets);
  return [];
}

/** The first ```ts block under the README's "## Example" heading. */
function readmeExample(readme: string, name: string): string {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Example'));
  const code = section?.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error(`${name}: the README has no ts block under "## Example"`);
  return code;
}

describe('the packed tarballs', () => {
  it('are the six publishable packages', () => {
    expect(packed.map((p) => p.name).sort()).toEqual([...Object.keys(EXAMPLES), ...Object.keys(CLIS)].sort());
  });

  it('ship only built files, a README and a LICENSE, and name only shipped files', async () => {
    for (const { name, tarball } of packed) {
      const files = await tarList(tarball);
      const manifestText = await tarRead(tarball, 'package/package.json');
      const manifest = JSON.parse(manifestText) as Record<string, unknown>;

      expect(files, name).toEqual(expect.arrayContaining(['package/README.md', 'package/LICENSE', 'package/dist/index.js', 'package/dist/index.d.ts']));
      expect(files.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/') || f.endsWith('.map')), name).toEqual([]);
      for (const target of Object.values((manifest.bin as Record<string, string> | undefined) ?? {})) expect(files, `${name} bin ${target}`).toContain(`package/${target.replace(/^\.\//, '')}`);
      expect(manifestText, name).not.toMatch(/workspace:|catalog:/);
      expect(manifest.license, name).toBe('MIT');
      for (const target of exportTargets(manifest.exports)) expect(files, `${name} exports ${target}`).toContain(`package/${target.replace(/^\.\//, '')}`);
      expect(JSON.stringify(manifest.exports), name).not.toContain('source');
      // Libraries share the app's zod (a peer); a CLI brings its own.
      if (CLIS[name]) expect((manifest.dependencies as Record<string, string>).zod, name).toMatch(/^\^4\./);
      else expect((manifest.peerDependencies as Record<string, string>).zod, name).toBe('^4.0.0');
      expect(await tarRead(tarball, 'package/LICENSE'), name).toContain('Approval Hub contributors');
    }
  });
});

describe('installed with npm outside the workspace', () => {
  let hub: HubProcess;
  let consumer: string;

  beforeAll(async () => {
    hub = await startHub();
    consumer = join(work, 'consumer');
    mkdirSync(join(consumer, 'examples'), { recursive: true });
    const dependencies: Record<string, string> = Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`]));
    for (const name of ['zod', '@openai/agents', 'ai', '@langchain/langgraph', '@langchain/core', 'langchain', 'typescript', '@types/node']) {
      dependencies[name] = catalogVersion(name);
    }
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }, null, 2));
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'build', rootDir: 'examples', types: ['node'], skipLibCheck: true },
        include: ['examples'],
      }),
    );
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: consumer, timeout: 300_000 });
  }, 360_000);

  afterAll(async () => {
    await hub?.dispose();
  });

  it('installs each command-line package with a working bin', async () => {
    for (const [name, cli] of Object.entries(CLIS)) {
      const { stdout } = await run(join(consumer, 'node_modules/.bin', cli.bin), ['--help'], { cwd: consumer, timeout: 30_000 });
      expect(stdout, name).toMatch(cli.prints);
    }
  }, 60_000);

  it('type-checks every README example with tsc, and runs each against a real hub while a reviewer approves', async () => {
    const names = packed.map((p) => p.name).filter((name) => !CLIS[name]);
    for (const name of names) {
      const readme = readFileSync(join(consumer, 'node_modules', name, 'README.md'), 'utf8');
      writeFileSync(join(consumer, 'examples', `${name.split('/')[1]}.ts`), readmeExample(readme, name));
    }
    await run(join(consumer, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: consumer }).catch((error: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${error.stdout ?? String(error)}`);
    });

    let reviewing = true;
    const reviewer = (async () => {
      while (reviewing) {
        for (const record of await hub.pending()) await hub.decide(record.requestId, { approved: true }).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      for (const name of names) {
        const script = join(consumer, 'build', `${name.split('/')[1]}.js`);
        const { stdout } = await run(process.execPath, [script], {
          cwd: consumer,
          timeout: 60_000,
          env: { ...process.env, HUB_URL: hub.url, HUB_AGENT_TOKEN: hub.agentToken },
        }).catch((error: { stdout?: string; stderr?: string }) => {
          throw new Error(`${name} example failed:\n${error.stdout ?? ''}\n${error.stderr ?? String(error)}`);
        });
        expect(stdout, name).toMatch(EXAMPLES[name]!.prints);
      }
    } finally {
      reviewing = false;
      await reviewer;
    }
    const approved = await hub.list({ status: 'approved' });
    for (const name of names) {
      const expected = EXAMPLES[name]!.request;
      if (!expected) continue;
      expect(approved.some((r) => r.toolName === expected.toolName && r.requestId.startsWith(expected.prefix)), `${name} left an approved ${expected.toolName}`).toBe(true);
    }
  }, 240_000);

  it('with zod 3, npm refuses the install, and a forced install fails at import naming zod 4', async () => {
    const old = join(work, 'zod3');
    mkdirSync(old, { recursive: true });
    const sdk = packed.find((p) => p.name === '@approval-hub/agent-sdk')!;
    const protocol = packed.find((p) => p.name === '@approval-hub/protocol')!;
    writeFileSync(
      join(old, 'package.json'),
      JSON.stringify({ name: 'zod3-consumer', private: true, type: 'module', dependencies: { zod: '3.25.76', [sdk.name]: `file:${sdk.tarball}`, [protocol.name]: `file:${protocol.tarball}` } }),
    );
    const refused = await run('npm', ['install', '--no-audit', '--no-fund'], { cwd: old, timeout: 180_000 }).then(
      () => null,
      (error: { stderr?: string }) => error.stderr ?? '',
    );
    expect(refused).toMatch(/ERESOLVE[\s\S]*zod/);

    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--legacy-peer-deps'], { cwd: old, timeout: 180_000 });
    const failed = await run(process.execPath, ['--input-type=module', '-e', "await import('@approval-hub/agent-sdk')"], { cwd: old }).then(
      () => null,
      (error: { stderr?: string }) => error.stderr ?? '',
    );
    expect(failed).toContain('@approval-hub/agent-sdk needs zod 4');
  }, 240_000);
});
