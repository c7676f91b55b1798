import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const biomeBin = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');

export interface LintDiagnostic {
  category: string;
  message: string;
  location: { path: string; start: { line: number } };
}

/**
 * Lints files that exist only in a scratch copy of the repository's lint configuration (the committed root
 * biome.json and tooling/biome/shared.jsonc at their real relative paths), so probes that break a rule never
 * touch the working tree. `files` maps repository-relative paths to their contents.
 */
export function lintProbeFiles(files: Record<string, string>): LintDiagnostic[] {
  const scratch = mkdtempSync(path.join(tmpdir(), 'lint-probe-'));
  try {
    for (const config of ['biome.json', 'tooling/biome/shared.jsonc']) {
      mkdirSync(path.dirname(path.join(scratch, config)), { recursive: true });
      copyFileSync(path.join(repoRoot, config), path.join(scratch, config));
    }
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
      writeFileSync(path.join(scratch, file), text);
    }
    // The configuration reads .gitignore through git (vcs.useIgnoreFile), so the scratch copy must be a repository.
    writeFileSync(path.join(scratch, '.gitignore'), 'node_modules/\n');
    spawnSync('git', ['init', '-q'], { cwd: scratch });
    const run = spawnSync(
      process.execPath,
      [biomeBin, 'lint', '--reporter=json', '--max-diagnostics=none', ...Object.keys(files)],
      {
        cwd: scratch,
        encoding: 'utf8',
      },
    );
    if (!run.stdout.trim()) throw new Error(`biome printed no report (exit ${run.status}):\n${run.stderr}`);
    return (JSON.parse(run.stdout) as { diagnostics: LintDiagnostic[] }).diagnostics;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
