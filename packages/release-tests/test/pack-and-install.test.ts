import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Framework adapters: each installs with the agent SDK's tarball beside it and public packages only. */
const ADAPTERS = ['@approval-hub/ai-sdk', '@approval-hub/langgraph', '@approval-hub/openai-agents'];

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
      // Nothing a registry does not serve: no devDependencies (private tooling), and the only workspace package
      // a tarball may name is the agent SDK, as an adapter's peer (its tarball goes beside the adapter's).
      expect(manifest.devDependencies, name).toBeUndefined();
      const internal = Object.keys({ ...(manifest.dependencies as object), ...(manifest.optionalDependencies as object) }).filter((d) => d.startsWith('@approval-hub/'));
      expect(internal, name).toEqual([]);
      const peers = Object.keys((manifest.peerDependencies as object | undefined) ?? {}).filter((d) => d.startsWith('@approval-hub/'));
      expect(peers, name).toEqual(ADAPTERS.includes(name) ? ['@approval-hub/agent-sdk'] : []);
      // Links that work on the registry's page and in node_modules: absolute, never ../
      const readme = await tarRead(tarball, 'package/README.md');
      expect(readme.match(/\]\((?:\.\.?\/)[^)]*\)/g) ?? [], `${name} README relative links`).toEqual([]);
    }
  });
});

describe('installed with npm outside the workspace', () => {
  let hub: HubProcess;
  let consumer: string;

  beforeAll(async () => {
    // Generous: this suite runs beside npm installs, and CI machines are shared.
    hub = await startHub({ startTimeoutMs: 90_000 });
    consumer = join(work, 'consumer');
    mkdirSync(join(consumer, 'examples'), { recursive: true });
    // Everything but the protocol: the SDK, the proxy and the adapters must not need it (the SDK bundles it).
    const dependencies: Record<string, string> = Object.fromEntries(packed.filter((p) => p.name !== '@approval-hub/protocol').map((p) => [p.name, `file:${p.tarball}`]));
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

  it('needs no workspace package the registry does not serve', () => {
    expect(existsSync(join(consumer, 'node_modules/@approval-hub/protocol'))).toBe(false);
  });

  it('type-checks every README example with tsc, and runs each against a real hub while a reviewer approves', async () => {
    const names = packed.map((p) => p.name).filter((name) => !CLIS[name] && name !== '@approval-hub/protocol');
    for (const name of names) {
      const readme = readFileSync(join(consumer, 'node_modules', name, 'README.md'), 'utf8');
      writeFileSync(join(consumer, 'examples', `${name.split('/')[1]}.ts`), readmeExample(readme, name));
    }
    await run(join(consumer, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: consumer }).catch((error: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${error.stdout ?? String(error)}`);
    });

    await whileApproving(hub, async () => {
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
    });
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
    writeFileSync(
      join(old, 'package.json'),
      JSON.stringify({ name: 'zod3-consumer', private: true, type: 'module', dependencies: { zod: '3.25.76', [sdk.name]: `file:${sdk.tarball}` } }),
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

describe('each installed alone, as a user would', () => {
  let hub: HubProcess;

  beforeAll(async () => {
    // Generous: this suite runs beside npm installs, and CI machines are shared.
    hub = await startHub({ startTimeoutMs: 90_000 });
  }, 120_000);

  afterAll(async () => {
    await hub?.dispose();
  });

  for (const name of ['@approval-hub/agent-sdk', '@approval-hub/protocol']) {
    it(`${name}: its tarball and zod, nothing else, run its README example against a real hub`, async () => {
      const project = await cleanProject(name, { [name]: `file:${tarballOf(name)}`, zod: catalogVersion('zod') }, { typescript: true });
      expect(readdirSync(join(project, 'node_modules/@approval-hub')), name).toEqual([name.split('/')[1]]);
      writeFileSync(join(project, 'examples/example.ts'), readmeExample(readFileSync(join(project, 'node_modules', name, 'README.md'), 'utf8'), name));
      await run(join(project, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: project }).catch((error: { stdout?: string }) => {
        throw new Error(`tsc failed:\n${error.stdout ?? String(error)}`);
      });
      const { stdout } = await whileApproving(hub, () =>
        run(process.execPath, ['build/example.js'], { cwd: project, timeout: 60_000, env: { ...process.env, HUB_URL: hub.url, HUB_AGENT_TOKEN: hub.agentToken } }),
      );
      expect(stdout, name).toMatch(EXAMPLES[name]!.prints);
    });
  }

  it('each adapter installs with the SDK tarball beside it and its framework from the registry, and loads', async () => {
    const frameworks: Record<string, string[]> = {
      '@approval-hub/ai-sdk': ['ai'],
      '@approval-hub/langgraph': ['@langchain/langgraph', '@langchain/core', 'langchain'],
      '@approval-hub/openai-agents': ['@openai/agents'],
    };
    for (const name of ADAPTERS) {
      const dependencies: Record<string, string> = { [name]: `file:${tarballOf(name)}`, '@approval-hub/agent-sdk': `file:${tarballOf('@approval-hub/agent-sdk')}`, zod: catalogVersion('zod') };
      for (const framework of frameworks[name] ?? []) dependencies[framework] = catalogVersion(framework);
      const project = await cleanProject(name, dependencies);
      expect(readdirSync(join(project, 'node_modules/@approval-hub')).sort(), name).toEqual(['agent-sdk', name.split('/')[1]].sort());
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `const m = await import('${name}'); console.log(Object.keys(m).length)`], { cwd: project });
      expect(Number(stdout.trim()), name).toBeGreaterThan(0);
    }
  }, 600_000);

  it('npx runs the MCP proxy from its tarball path and from the hub at /downloads/mcp-proxy.tgz', async () => {
    const empty = join(work, 'npx');
    mkdirSync(empty, { recursive: true });
    copyFileSync(tarballOf('@approval-hub/mcp-proxy'), join(empty, 'mcp-proxy.tgz'));
    const fromPath = await run('npx', ['-y', './mcp-proxy.tgz', '--help'], { cwd: empty, timeout: 240_000 });
    expect(fromPath.stdout).toMatch(/approval-hub-mcp --hub/);

    const download = await fetch(`${hub.url}/downloads/mcp-proxy.tgz`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/gzip');
    const fromHub = await run('npx', ['-y', `${hub.url}/downloads/mcp-proxy.tgz`, '--help'], { cwd: empty, timeout: 240_000 });
    expect(fromHub.stdout).toMatch(/approval-hub-mcp --hub/);

    expect((await fetch(`${hub.url}/downloads/agent-sdk.tgz`)).status).toBe(200);
    expect((await fetch(`${hub.url}/downloads/protocol.tgz`)).status).toBe(404);
  }, 600_000);
});

function tarballOf(name: string): string {
  const found = packed.find((p) => p.name === name);
  if (!found) throw new Error(`${name} was not packed`);
  return found.tarball;
}

/** A fresh npm project outside the workspace with exactly these dependencies, installed from the registry. */
async function cleanProject(label: string, dependencies: Record<string, string>, options: { typescript?: boolean } = {}): Promise<string> {
  const project = mkdtempSync(join(work, `${label.split('/')[1]}-`));
  mkdirSync(join(project, 'examples'));
  const all = options.typescript ? { ...dependencies, typescript: catalogVersion('typescript'), '@types/node': catalogVersion('@types/node') } : dependencies;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'clean-consumer', private: true, type: 'module', dependencies: all }, null, 2));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'build', rootDir: 'examples', types: ['node'], skipLibCheck: false },
      include: ['examples'],
    }),
  );
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project, timeout: 300_000 });
  return project;
}

/** Runs `work` while a reviewer approves every pending request on the hub. */
async function whileApproving<T>(hub: HubProcess, work: () => Promise<T>): Promise<T> {
  let reviewing = true;
  const reviewer = (async () => {
    while (reviewing) {
      for (const record of await hub.pending()) await hub.decide(record.requestId, { approved: true }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  try {
    return await work();
  } finally {
    reviewing = false;
    await reviewer;
  }
}
