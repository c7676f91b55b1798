import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The store's shape, kept by a test because Biome's `noRestrictedImports` cannot tell a type-only import from a
 * run-time one: a slice may name another slice's types, but never reaches into it at run time. Everything that
 * spans slices is in `store/actions.ts`.
 */
const STORE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../src/store');

/** The `./…` modules a file imports or re-exports at run time (type-only imports and exports are left out). */
function runtimeLocalImports(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) found.push(statement.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      if (!statement.isTypeOnly) found.push(statement.moduleSpecifier.text);
    }
  }
  return found.filter((specifier) => specifier.startsWith('./'));
}

const sliceFiles = readdirSync(STORE).filter((name) => name.endsWith('Slice.ts'));

describe('console store boundaries', () => {
  it('finds the slices', () => {
    expect(sliceFiles).toEqual(expect.arrayContaining(['decisionSlice.ts', 'queueSlice.ts', 'reviewSlice.ts', 'selectionSlice.ts', 'sessionSlice.ts']));
  });

  it('tells a run-time import from a type-only one', () => {
    const source = [
      "import type { A } from './typeOnly';",
      "import { type B, type C } from './allTypes';",
      "import { type D, e } from './mixed';",
      "import f from './defaultImport';",
      "import './sideEffect';",
      "export { g } from './reExport';",
      "export type { H } from './typeReExport';",
      "import { i } from '../domain/elsewhere';",
    ].join('\n');
    expect(runtimeLocalImports('sample.ts', source)).toEqual(['./mixed', './defaultImport', './sideEffect', './reExport']);
  });

  it.each(sliceFiles)('%s imports nothing of the store at run time', (name) => {
    const imports = runtimeLocalImports(name, readFileSync(path.join(STORE, name), 'utf8'));
    expect(imports, `${name} must reach other slices only through cross-slice actions (store/actions.ts)`).toEqual([]);
  });
});
