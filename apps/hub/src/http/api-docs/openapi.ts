import * as protocol from '@approval-hub/protocol';
import { ErrorBody, ErrorCode, httpStatusOf, type Role } from '@approval-hub/protocol';
import type { RouteConfig } from '@hono/zod-openapi';
import { z } from 'zod';
import { HUB_VERSION } from '../../runtime/version.js';
import { jsonBodyOf } from '../api-routes.js';
import { inlineSchema, namedSchemas } from './json-schema.js';

type Json = Record<string, unknown>;

const REF = '#/components/schemas/';

/** `/api/approvals/:id` → `/api/approvals/{id}`. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z_]\w*)/g, '{$1}');

/** The closed error codes a declared route can answer (`apiRoute` adds the ones its kind of route shares). */
export const errorCodesOf = (route: RouteConfig): readonly ErrorCode[] => (route['x-error-codes'] as ErrorCode[] | undefined) ?? [];

/** Whether a declared route needs no bearer token (`security: []`). */
export const isPublic = (route: RouteConfig) => route.security?.length === 0;

function operationId(route: RouteConfig): string {
  const words = route.path
    .replace(/^\//, '')
    .split(/[/.]/)
    .filter((w) => w !== 'api' && w !== '')
    .map((w) => (w.startsWith('{') ? `by-${w.slice(1, -1)}` : w));
  return [route.method, ...words].join('-').replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}

/**
 * The OpenAPI 3.1 document of the REST API, generated from the routes' declarations (`apiRoute`, read from the
 * app's OpenAPI registry) and the protocol's zod schemas; nothing is written twice. The schemas are rendered by
 * zod's own `toJSONSchema`, as the AsyncAPI document's are. Errors are grouped by HTTP status, each naming its
 * codes (`x-error-codes`).
 */
export function buildOpenApiDocument(routes: readonly RouteConfig[]): Json {
  const named: Record<string, { schema: z.ZodType; io: 'input' | 'output' }> = { ErrorBody: { schema: ErrorBody, io: 'output' } };
  // Components take the name the schema is exported under (protocol first), so the document reads like the code.
  const exportedName = new Map<unknown, string>();
  for (const [name, value] of Object.entries(protocol)) if (value instanceof z.ZodType) exportedName.set(value, name);
  const nameOf = new Map<z.ZodType, string>([[ErrorBody, 'ErrorBody']]);
  const register = (schema: z.ZodType, io: 'input' | 'output', fallback: string): string => {
    const known = nameOf.get(schema);
    if (known) return known;
    const preferred = exportedName.get(schema) ?? fallback;
    const name = preferred in named ? `${preferred}${Object.keys(named).length}` : preferred;
    named[name] = { schema, io };
    nameOf.set(schema, name);
    return name;
  };

  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const id = operationId(route);
    const parameters: Json[] = [];
    for (const [where, object] of [['path', route.request?.params], ['query', route.request?.query]] as const) {
      if (!(object instanceof z.ZodObject)) continue;
      for (const [name, field] of Object.entries(object.shape)) {
        const schema = inlineSchema(field as z.ZodType, 'input');
        const optional = (field as z.ZodType).safeParse(undefined).success;
        // A comma-separated list (`?status=pending,approved`) is a string going in and a list of enum values coming
        // out; OpenAPI says that as an array in form style, not exploded, so its values are typed.
        const parsed = inlineSchema(field as z.ZodType, 'output');
        const commaList = where === 'query' && schema.type === 'string' && parsed.type === 'array';
        parameters.push({ name, in: where, required: where === 'path' || !optional, ...(commaList ? { schema: parsed, style: 'form', explode: false } : { schema }) });
      }
    }
    const responses: Record<string, Json> = {};
    for (const [status, response] of Object.entries(route.responses) as [string, { description: string; content?: Record<string, { schema?: unknown }> }][]) {
      const [mediaType, media] = Object.entries(response.content ?? { 'text/plain': {} })[0]!;
      if (mediaType === 'application/json' && media.schema instanceof z.ZodType) {
        const name = register(media.schema, 'output', `${id.charAt(0).toUpperCase()}${id.slice(1)}Response${status}`);
        responses[status] = { description: response.description, content: { 'application/json': { schema: { $ref: `${REF}${name}` } } } };
      } else {
        responses[status] = { description: response.description, content: { [mediaType]: { schema: { type: 'string' } } } };
      }
    }
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of errorCodesOf(route)) byStatus.set(httpStatusOf[code], [...(byStatus.get(httpStatusOf[code]) ?? []), code]);
    for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
      responses[String(status)] = {
        description: `Error: ${codes.join(', ')}`,
        'x-error-codes': codes,
        content: { 'application/json': { schema: { $ref: `${REF}ErrorBody` } } },
      };
    }
    const roles = route['x-roles'] as readonly Role[] | undefined;
    const operation: Json = {
      operationId: id,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.path.startsWith('/api/audit') ? 'audit' : route.path.startsWith('/api/approvals') ? 'approvals' : isPublic(route) ? 'hub' : 'operations'],
      security: isPublic(route) ? [] : [{ bearerAuth: [] }],
      ...(roles ? { 'x-roles': roles } : {}),
      ...(parameters.length ? { parameters } : {}),
      responses,
    };
    const body = jsonBodyOf(route);
    if (body) {
      const name = register(body.schema, 'input', `${id.charAt(0).toUpperCase()}${id.slice(1)}Body`);
      operation.requestBody = { required: body.required, content: { 'application/json': { schema: { $ref: `${REF}${name}` } } } };
    }
    paths[route.path] = { ...(paths[route.path] ?? {}), [route.method]: operation };
  }

  const schemas: Record<string, Json> = {};
  for (const io of ['input', 'output'] as const) {
    const group = Object.fromEntries(Object.entries(named).filter(([, v]) => v.io === io).map(([k, v]) => [k, v.schema]));
    Object.assign(schemas, namedSchemas(group, io, REF));
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Approval Hub REST API',
      version: HUB_VERSION,
      description:
        'A human reviewer between an AI agent and its dangerous tool calls. Errors are `{ error: { code, message, details? } }` with a closed set of codes; the HTTP status carries the class (`x-error-codes` lists the codes per status). The same engine answers the Socket.IO namespaces `/agent` and `/reviewer`: see `/api/asyncapi.json`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'approvals', description: 'Asking, deciding, waiting, cancelling' },
      { name: 'audit', description: 'The hash-chained audit log' },
      { name: 'operations', description: 'Who am I, metrics' },
      { name: 'hub', description: 'Health and these documents' },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from the hub config (or dev-tokens.json): agent, reviewer or admin role.' } },
    },
    'x-error-codes': Object.fromEntries(ErrorCode.options.map((code) => [code, httpStatusOf[code]])),
  };
}
