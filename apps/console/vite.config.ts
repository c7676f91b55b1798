import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// The dev server stands in for the hub's own origin: `/api` and `/socket.io` go to a running hub.
const hubUrl = process.env.HUB_URL ?? 'http://localhost:4000';
// The hub accepts browser requests and WebSocket upgrades from its own origin (and its allow-list) only. Through this
// proxy the browser's Origin is the dev server's, so the proxy presents the hub's own, as changeOrigin does for Host:
// development only, and the hub's origin policy is unchanged.
const toHub = { target: hubUrl, changeOrigin: true, headers: { origin: new URL(hubUrl).origin } };

export default defineConfig({
  base: '/',
  plugins: [react()],
  // `source` makes `@approval-hub/protocol` resolve to its TypeScript, so no build of it is needed.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  // `hidden`: maps are written for debugging builds but not referenced by the bundle, and the hub never serves them.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: 'hidden' },
  server: {
    port: 5173,
    proxy: {
      '/api': toHub,
      '/socket.io': { ...toHub, ws: true },
    },
  },
  preview: {
    proxy: {
      '/api': toHub,
      '/socket.io': { ...toHub, ws: true },
    },
  },
});
