import { ApprovalStatus, ErrorCode, GrantStatus, Namespace, httpStatusOf, socketEventList } from '@approval-hub/protocol';
import { Parser } from '@asyncapi/parser';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodesOf, isPublic, openApiPath } from '../src/http/api-docs/openapi.js';
import { declaredRoutes } from '../src/http/api-routes.js';
import { api, newRequest, startTestHub, tokens, type TestHub } from './support/test-hub.js';

// biome-ignore lint/suspicious/noExplicitAny: walks the generated documents loosely; the validator checks their shape.
type Json = Record<string, any>;

let hub: TestHub;
let openapi: Json;
beforeAll(async () => {
  hub = await startTestHub();
  const res = await fetch(`${hub.url}/api/openapi.json`);
  expect(res.status).toBe(200);
  openapi = (await res.json()) as Json;
});
afterAll(() => hub.close());

/** The router's real routes (method and path), without middleware and the console's catch-alls. */
function routerRoutes(): { method: string; path: string }[] {
  const seen = new Set<string>();
  return hub.hub.app.routes
    .filter((r) => r.method !== 'ALL' && !r.path.includes('*'))
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`));
}

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document, served without a token', async () => {
    const validator = new Validator();
    const result = await validator.validate(openapi);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every route the router serves, and nothing it does not', () => {
    const routes = routerRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const { method, path } of routes) expect(openapi.paths[openApiPath(path)]?.[method.toLowerCase()], `${method} ${path}`).toBeDefined();
    const documented = Object.entries(openapi.paths as Json).flatMap(([path, ops]) => Object.keys(ops as Json).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${openApiPath(r.path)}`).sort());
  });

  it('lists each route\'s error codes under their HTTP status, with the error body, and its auth', () => {
    const routes = declaredRoutes(hub.hub.app);
    expect(routes.length).toBe(routerRoutes().length);
    for (const route of routes) {
      const op = openapi.paths[route.path][route.method] as Json;
      for (const code of errorCodesOf(route)) {
        const response = op.responses[String(httpStatusOf[code])] as Json | undefined;
        expect(response?.['x-error-codes'], `${route.method} ${route.path} ${code}`).toContain(code);
        expect(response!.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ErrorBody' });
      }
      expect(errorCodesOf(route)).toContain('internal');
      expect(op.security).toEqual(isPublic(route) ? [] : [{ bearerAuth: [] }]);
    }
    expect(openapi.components.schemas.ErrorBody.properties.error.properties.code.enum).toEqual(ErrorCode.options);
  });

  it('types comma-separated status filters as lists of their enum values', () => {
    const status = (path: string) => (openapi.paths[path].get.parameters as Json[]).find((p) => p.name === 'status');
    expect(status('/api/grants')).toMatchObject({ in: 'query', required: false, style: 'form', explode: false, schema: { type: 'array', items: { enum: GrantStatus.options } } });
    expect(status('/api/approvals')).toMatchObject({ style: 'form', explode: false, schema: { type: 'array', items: { enum: ApprovalStatus.options } } });
  });

  it('the errors the hub really answers are the documented ones', async () => {
    const documented = (method: string, path: string, status: number, code: string) =>
      expect(openapi.paths[path][method].responses[String(status)]?.['x-error-codes'], `${method} ${path} → ${status} ${code}`).toContain(code);
    const input = newRequest();
    const cases: [string, string, string, string | null, unknown][] = [
      ['get', '/api/me', '/api/me', null, undefined],
      ['post', '/api/approvals', '/api/approvals', tokens.reviewer, input],
      ['post', '/api/approvals', '/api/approvals', tokens.agent, { ...input, args: 'nope' }],
      ['get', '/api/approvals/{id}', '/api/approvals/nope', tokens.admin, undefined],
      ['get', '/api/audit/verify', '/api/audit/verify', tokens.reviewer, undefined],
      ['get', '/metrics', '/metrics', tokens.agent, undefined],
    ];
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, input)).status).toBe(201);
    expect((await api(hub, 'POST', `/api/approvals/${input.requestId}/decision`, tokens.reviewer, { approved: true })).status).toBe(200);
    cases.push(['post', '/api/approvals/{id}/decision', `/api/approvals/${input.requestId}/decision`, tokens.reviewer, { approved: true }]);
    cases.push(['post', '/api/approvals', '/api/approvals', tokens.agent, { ...input, toolName: 'other' }]);
    for (const [method, path, url, token, body] of cases) {
      const res = await api(hub, method.toUpperCase(), url, token, body);
      expect(res.status).toBeGreaterThanOrEqual(400);
      documented(method, path, res.status, (res.body as Json).error.code);
    }
  });
});

describe('docs page', () => {
  it('is readable HTML with every route and event, no script and a CSP that allows nothing else', async () => {
    const res = await fetch(`${hub.url}/api/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).not.toMatch(/unsafe|script-src|https?:/);
    const html = await res.text();
    expect(html).not.toMatch(/<script|<link|src=/i);
    expect(html).not.toMatch(/href="https?:/);
    for (const route of declaredRoutes(hub.hub.app)) expect(html).toContain(`<code>${route.path}</code>`);
    for (const event of socketEventList()) expect(html).toContain(`<code>${event.name}</code>`);
  });

  it('renders the prose\'s Markdown: no literal backticks outside code and schema blocks', async () => {
    const html = await (await fetch(`${hub.url}/api/docs`)).text();
    expect(html).toContain('<code>npm install http://hub:4000/downloads/agent-sdk.tgz zod@^4</code>');
    const prose = html.replace(/<pre>[\s\S]*?<\/pre>/g, '').replace(/<code>[\s\S]*?<\/code>/g, '');
    expect(prose.match(/.{0,40}`.{0,40}/g) ?? []).toEqual([]);
  });
});

// Last: the AsyncAPI parser keeps the event loop busy for seconds, long enough for idle keep-alive connections
// to the hub to be closed under a following fetch.
describe('AsyncAPI document', () => {
  it('is a valid AsyncAPI 3 document with every Socket.IO event and its ack', async () => {
    const res = await fetch(`${hub.url}/api/asyncapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Json;
    const { diagnostics } = await new Parser().parse(JSON.stringify(doc));
    expect(diagnostics.filter((d) => d.severity === 0)).toEqual([]);
    expect(doc.asyncapi).toBe('3.0.0');
    const names = (ns: string) => Object.values(doc.channels[ns.slice(1)].messages as Json).map((m: Json) => doc.components.messages[m.$ref.split('/').pop()].name);
    const events = socketEventList();
    for (const event of events) expect(names(Namespace[event.namespace]), event.namespace).toContain(event.name);
    // Each namespace's channel carries its events and their acks, and nothing else.
    for (const ns of Object.keys(Namespace) as (keyof typeof Namespace)[]) {
      const own = events.filter((e) => e.namespace === ns);
      expect(names(Namespace[ns]).sort()).toEqual([...own.map((e) => e.name), ...own.filter((e) => e.ack).map((e) => `${e.name} ack`)].sort());
    }
    const acks = events.filter((e) => e.ack).length;
    expect(acks).toBeGreaterThan(0);
    expect(Object.values(doc.operations as Json).filter((op: Json) => op.reply)).toHaveLength(acks);
  });
});
