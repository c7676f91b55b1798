/**
 * The URL of a compiled sibling script for a worker thread. Worker threads need JavaScript, so when this module runs
 * from its TypeScript source (tests), the script is taken from the package's `dist` build instead.
 */
export function builtScript(relative: string, from: string): URL {
  const url = new URL(relative, from);
  if (!from.endsWith('.ts')) return url;
  return new URL(url.href.replace(/\/src\/(?!.*\/src\/)/, '/dist/'));
}
