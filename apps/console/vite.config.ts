import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// The dev server stands in for the hub's own origin: `/api` and `/socket.io` go to a running hub.
const hubUrl = process.env.HUB_URL ?? 'http://localhost:4000';

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
      '/api': { target: hubUrl, changeOrigin: true },
      '/socket.io': { target: hubUrl, changeOrigin: true, ws: true },
    },
  },
  preview: {
    proxy: {
      '/api': { target: hubUrl, changeOrigin: true },
      '/socket.io': { target: hubUrl, changeOrigin: true, ws: true },
    },
  },
});
