#!/usr/bin/env node
// Packs every publishable workspace package (not private, under packages/) into one folder.
// pnpm pack turns `workspace:*` and `catalog:` into real versions and applies `publishConfig`.
// Usage: node scripts/release-pack.mjs [destination]   (default: ./release)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const destination = resolve(process.argv[2] ?? join(root, 'release'));
mkdirSync(destination, { recursive: true });

const packed = [];
for (const name of readdirSync(join(root, 'packages')).sort()) {
  const folder = join(root, 'packages', name);
  const manifestPath = join(folder, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (manifest.private) continue;
  if (!existsSync(join(folder, 'dist'))) throw new Error(`${manifest.name} has no dist/: run pnpm build first`);
  const output = execFileSync('pnpm', ['pack', '--pack-destination', destination, '--json'], { cwd: folder, encoding: 'utf8' });
  const { filename } = JSON.parse(output);
  packed.push({ name: manifest.name, version: manifest.version, tarball: filename });
}
process.stdout.write(`${JSON.stringify(packed, null, 2)}\n`);
