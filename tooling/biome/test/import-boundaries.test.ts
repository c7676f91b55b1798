import { describe, expect, it } from 'vitest';
import { type LintDiagnostic, lintProbeFiles } from './lint-probe.js';

const RULE = 'lint/style/noRestrictedImports';

/** Lines of `file` on which the import-boundary rule fired. */
function restrictedImportLines(diagnostics: LintDiagnostic[], file: string): number[] {
  return diagnostics
    .filter((d) => d.category === RULE && d.location.path.replaceAll('\\', '/') === file)
    .map((d) => d.location.start.line);
}

describe('module boundaries', () => {
  it('packages/protocol imports nothing of ours', () => {
    const probe = [
      "import { createAgent } from '@approval-hub/agent-sdk';",
      "import { startHubProcess } from '@approval-hub/hub/process-metrics';",
      "import { z } from 'zod';",
      'export const used = [createAgent, startHubProcess, z];',
      '',
    ].join('\n');
    const diagnostics = lintProbeFiles({
      'packages/protocol/src/probe.ts': probe,
      'packages/agent-sdk/src/probe.ts': probe,
    });

    expect(restrictedImportLines(diagnostics, 'packages/protocol/src/probe.ts')).toEqual([1, 2]);
    expect(diagnostics.find((d) => d.category === RULE)?.message).toMatch(/imports nothing of ours/);
    // The same imports are fine anywhere else.
    expect(restrictedImportLines(diagnostics, 'packages/agent-sdk/src/probe.ts')).toEqual([]);
  });

  it('the console never imports the hub', () => {
    const diagnostics = lintProbeFiles({
      'apps/console/src/probe.ts': [
        "import { createHub } from '@approval-hub/hub';",
        "import { hubMetrics } from '@approval-hub/hub/process-metrics';",
        "import { canDecide } from '../../hub/src/engine/access.js';",
        "import { ApprovalRequest } from '@approval-hub/protocol';",
        'export const used = [createHub, hubMetrics, canDecide, ApprovalRequest];',
        '',
      ].join('\n'),
    });

    expect(restrictedImportLines(diagnostics, 'apps/console/src/probe.ts')).toEqual([1, 2, 3]);
    expect(diagnostics.find((d) => d.category === RULE)?.message).toMatch(/console never imports the hub/);
  });

  it("the hub's engine never imports a database driver; the store may", () => {
    const probe = [
      "import Database from 'better-sqlite3';",
      "import pg from 'pg';",
      "import { z } from 'zod';",
      'export const used = [Database, pg, z];',
      '',
    ].join('\n');
    const diagnostics = lintProbeFiles({
      'apps/hub/src/engine/probe.ts': probe,
      'apps/hub/src/store/sqlite/probe.ts': probe,
    });

    expect(restrictedImportLines(diagnostics, 'apps/hub/src/engine/probe.ts')).toEqual([1, 2]);
    expect(diagnostics.find((d) => d.category === RULE)?.message).toMatch(/engine never imports a database driver/);
    expect(restrictedImportLines(diagnostics, 'apps/hub/src/store/sqlite/probe.ts')).toEqual([]);
  });

  it('in the hub, only config.ts and the entry points touch process.env', () => {
    const probe = 'export const smtp = process.env.SMTP_URL;\n';
    const diagnostics = lintProbeFiles({
      'apps/hub/src/notify/probe.ts': probe,
      'apps/hub/src/config.ts': probe,
      'apps/hub/src/main.ts': probe,
    });
    const envLines = (file: string) =>
      diagnostics.filter((d) => d.category === 'lint/style/noProcessEnv' && d.location.path === file).length;

    expect(envLines('apps/hub/src/notify/probe.ts')).toBe(1);
    expect(envLines('apps/hub/src/config.ts')).toBe(0);
    expect(envLines('apps/hub/src/main.ts')).toBe(0);
  });
});
