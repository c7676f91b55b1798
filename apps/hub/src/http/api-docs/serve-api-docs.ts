import type { Env, Hono } from 'hono';
import { buildAsyncApiDocument } from './asyncapi.js';
import { DOCS_CSP, renderDocsPage } from './docs-page.js';
import { buildOpenApiDocument } from './openapi.js';

/** Built on first use and kept: the documents only change with the code. */
let built: { openapi: string; asyncapi: string; page: string } | null = null;
function documents() {
  if (!built) {
    const openapi = buildOpenApiDocument();
    const asyncapi = buildAsyncApiDocument();
    built = { openapi: JSON.stringify(openapi), asyncapi: JSON.stringify(asyncapi), page: renderDocsPage(openapi, asyncapi) };
  }
  return built;
}

/** `/api/openapi.json`, `/api/asyncapi.json` and `/api/docs`: public, like the protocol they describe. */
export function serveApiDocs<E extends Env>(app: Hono<E>): void {
  const json = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
  app.get('/api/openapi.json', (c) => c.body(documents().openapi, 200, json));
  app.get('/api/asyncapi.json', (c) => c.body(documents().asyncapi, 200, json));
  app.get('/api/docs', (c) =>
    c.html(documents().page, 200, { 'Content-Security-Policy': DOCS_CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-cache' }),
  );
}
