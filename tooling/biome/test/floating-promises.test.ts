import { describe, expect, it } from 'vitest';
import { type LintDiagnostic, lintProbeFiles } from './lint-probe.js';

/** Lines of `file` on which `rule` fired. */
function linesOf(diagnostics: LintDiagnostic[], rule: string, file: string): number[] {
  return diagnostics
    .filter((d) => d.category === rule && d.location.path.replaceAll('\\', '/') === file)
    .map((d) => d.location.start.line);
}

describe('floating promises', () => {
  const probe = [
    'async function work(): Promise<void> {}',
    'work();',
    'work().catch(() => {});',
    'void work();',
    '// biome-ignore lint/complexity/noVoid: the probe states why nothing is lost.',
    'void work();',
    'export {};',
    '',
  ].join('\n');

  it('a promise nobody awaits or catches is an error everywhere', () => {
    const diagnostics = lintProbeFiles({ 'apps/hub/src/probe.ts': probe, 'packages/agent-sdk/src/probe.ts': probe });
    expect(linesOf(diagnostics, 'lint/nursery/noFloatingPromises', 'apps/hub/src/probe.ts')).toEqual([2]);
    expect(linesOf(diagnostics, 'lint/nursery/noFloatingPromises', 'packages/agent-sdk/src/probe.ts')).toEqual([2]);
  });

  it('a `void` needs a written reason everywhere', () => {
    const files = [
      'apps/hub/src/probe.ts',
      'apps/console/src/probe.tsx',
      'packages/agent-sdk/src/probe.ts',
      'e2e/tests/probe.ts',
      'bench/src/probe.ts',
    ];
    const diagnostics = lintProbeFiles(Object.fromEntries(files.map((file) => [file, probe])));
    for (const file of files) expect(linesOf(diagnostics, 'lint/complexity/noVoid', file), file).toEqual([4]);
  });
});
