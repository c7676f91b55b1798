import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Env, Hono } from 'hono';

/** Serves the built console (`apps/console/dist`) at `/`, with `index.html` for client-side routes. */
export function serveConsole<E extends Env>(app: Hono<E>, consoleDir: string): boolean {
  const indexFile = path.join(consoleDir, 'index.html');
  if (!existsSync(indexFile)) return false;
  const indexHtml = readFileSync(indexFile, 'utf8');
  const securityHeaders = {
    'Content-Security-Policy':
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
  // Source maps stay on the build machine (issue #24: they hand out the console's whole source): never served.
  app.get('/*', async (c, next) => (c.req.path.endsWith('.map') ? c.notFound() : next()));
  app.use('/assets/*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
  });
  app.use('/*', serveStatic({ root: consoleDir, onFound: (_path, c) => Object.entries(securityHeaders).forEach(([k, v]) => { c.header(k, v); }) }));
  app.get('*', (c) => {
    if (c.req.path.startsWith('/api/')) return c.notFound();
    return c.html(indexHtml, 200, { ...securityHeaders, 'Cache-Control': 'no-cache' });
  });
  return true;
}
