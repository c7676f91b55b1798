import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './hub-fixture.js';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the published package', () => {
  it('ships only built files, names only shipped files, and has no workspace specifiers', () => {
    const out = tempDir('mcp-proxy-pack-');
    execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: packageDir, stdio: 'ignore' });
    const tarball = path.join(out, readdirSync(out).find((f) => f.endsWith('.tgz'))!);
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
    for (const file of files) expect(file).toMatch(/^(LICENSE|README\.md|package\.json|bin\/approval-hub-mcp\.js|dist\/[\w-]+\.(js|d\.ts))$/);

    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as {
      bin: Record<string, string>;
      exports: Record<string, Record<string, string>>;
      dependencies: Record<string, string>;
    };
    const named = [...Object.values(manifest.bin), ...Object.values(manifest.exports).flatMap((e) => Object.values(e))].map((p) => p.replace(/^\.\//, ''));
    for (const target of named) expect(files).toContain(target);
    for (const spec of Object.values(manifest.dependencies)) expect(spec).not.toMatch(/workspace:|catalog:/);
    const bin = execFileSync('tar', ['-xzOf', tarball, `package/${manifest.bin['approval-hub-mcp']!.replace(/^\.\//, '')}`], { encoding: 'utf8' });
    expect(bin.startsWith('#!/usr/bin/env node\n')).toBe(true);
  });
});
