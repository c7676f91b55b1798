import { AsyncApiDocument, OpenApiDocument } from '@approval-hub/protocol';
import { apiRoute, declaredRoutes, jsonAnswer, routeMounter, textAnswer, type ApiApp } from '../api-routes.js';
import { buildAsyncApiDocument } from './asyncapi.js';
import { DOCS_CSP, renderDocsPage } from './docs-page.js';
import { buildOpenApiDocument } from './openapi.js';

const openapi = apiRoute({
  method: 'get',
  path: '/api/openapi.json',
  summary: 'This document (OpenAPI 3.1)',
  auth: 'public',
  responses: { 200: jsonAnswer(OpenApiDocument, 'The OpenAPI document') },
  errors: [],
});

const asyncapi = apiRoute({
  method: 'get',
  path: '/api/asyncapi.json',
  summary: 'The Socket.IO events (AsyncAPI 3.0)',
  auth: 'public',
  responses: { 200: jsonAnswer(AsyncApiDocument, 'The AsyncAPI document') },
  errors: [],
});

const page = apiRoute({
  method: 'get',
  path: '/api/docs',
  summary: 'Readable API documentation (HTML, no scripts)',
  auth: 'public',
  responses: { 200: textAnswer('text/html', 'HTML page') },
  errors: [],
});

/**
 * `/api/openapi.json`, `/api/asyncapi.json` and `/api/docs`: public, like the protocol they describe. The OpenAPI
 * document is generated from the app's route declarations, once every route is mounted (the first request), and kept.
 */
export function serveApiDocs(app: ApiApp): void {
  let built: { openapi: string; asyncapi: string; page: string } | null = null;
  const documents = () => {
    if (!built) {
      const openapiDocument = buildOpenApiDocument(declaredRoutes(app));
      const asyncapiDocument = buildAsyncApiDocument();
      built = { openapi: JSON.stringify(openapiDocument), asyncapi: JSON.stringify(asyncapiDocument), page: renderDocsPage(openapiDocument, asyncapiDocument) };
    }
    return built;
  };
  const mount = routeMounter(app);
  const json = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
  mount(openapi, (c) => c.body(documents().openapi, 200, json));
  mount(asyncapi, (c) => c.body(documents().asyncapi, 200, json));
  mount(page, (c) =>
    c.html(documents().page, 200, { 'Content-Security-Policy': DOCS_CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-cache' }),
  );
}
