import { defineConfig } from 'tsdown';

// The agent SDK and the protocol are workspace packages, not published: bundle them (code and declarations) so the
// proxy installs and runs alone from its tarball (`npx -y ./approval-hub-mcp-proxy-0.1.0.tgz`). Public dependencies
// stay external.
export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  sourcemap: false,
  fixedExtension: false,
  deps: { alwaysBundle: ['@approval-hub/agent-sdk', '@approval-hub/protocol'] },
  dts: { resolve: ['@approval-hub/agent-sdk', '@approval-hub/protocol'] },
});
