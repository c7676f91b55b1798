#!/usr/bin/env node
// Packs the client packages the hub serves at GET /downloads/<name>.tgz into dist/downloads, at hub build time.
// pnpm pack turns workspace: and catalog: ranges into versions and drops devDependencies (.pnpmfile.cjs), and the
// packages bundle the workspace protocol, so each tarball installs alone from any npm.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const hubDir = resolve(import.meta.dirname, '..');
const destination = join(hubDir, 'dist/downloads');
const packages = { 'agent-sdk.tgz': 'packages/agent-sdk', 'mcp-proxy.tgz': 'packages/mcp-proxy' };

rmSync(destination, { recursive: true, force: true });
mkdirSync(destination, { recursive: true });
for (const [file, folder] of Object.entries(packages)) {
  const cwd = resolve(hubDir, '../..', folder);
  // turbo builds them first (the hub depends on both); a tarball without dist/ would install and fail at import.
  if (!existsSync(join(cwd, 'dist/index.js'))) throw new Error(`${folder} is not built: run pnpm build (turbo builds it before the hub)`);
  const { filename } = JSON.parse(execFileSync('pnpm', ['pack', '--pack-destination', destination, '--json'], { cwd, encoding: 'utf8' }));
  renameSync(filename, join(destination, file));
}
