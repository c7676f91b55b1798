import { defineConfig } from 'tsdown';

// The protocol is a workspace package, not published: bundle it (code and declarations) so this package installs
// alone from its tarball. Public dependencies (socket.io-client, and zod as a peer) stay external.
export default defineConfig({
  entry: ['src/index.ts'],
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  sourcemap: false,
  fixedExtension: false,
  deps: { alwaysBundle: ['@approval-hub/protocol'] },
  dts: { resolve: ['@approval-hub/protocol'] },
});
