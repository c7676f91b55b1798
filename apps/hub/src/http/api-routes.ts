import type { Ack, ErrorCode, Principal, Role } from '@approval-hub/protocol';
import { createRoute, OpenAPIHono, type RouteConfig, type RouteHandler, type RouteHook } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { OpenedLink } from '../decision-links/decision-links.js';
import { actorOf } from '../engine/access.js';
import type { HubContext } from '../transports/hub-context.js';
import { invalidPayload, payloadBytes } from '../transports/payload-validation.js';
import { requireRole } from './require-role.js';
import { ApiError, problemOf } from './rest-errors.js';

/**
 * What every REST handler sees: the principal the bearer middleware authenticated, or a decision link's reviewer
 * (with the opened `link`, set on the link routes only).
 */
export type ApiEnv = { Variables: { principal: Principal; link: OpenedLink } };
export type ApiApp = OpenAPIHono<ApiEnv>;

/** What every bearer route can answer, whatever it does. */
export const BEARER_ERRORS: readonly ErrorCode[] = ['unauthorized', 'forbidden', 'rate_limited', 'internal'];
/** What every public route under /api can answer (a foreign browser origin is refused). */
export const PUBLIC_ERRORS: readonly ErrorCode[] = ['forbidden', 'internal'];

const BEARER = [{ bearerAuth: [] }];

export interface ApiRouteSpec extends Omit<RouteConfig, 'security' | 'middleware'> {
  /** `public`: no token (the route authenticates itself, or needs nothing). `bearer`: any valid token, narrowed by `roles`. */
  auth: 'public' | 'bearer';
  /** Checked by `requireRole` on the route, before its input is read, and documented as `x-roles`. */
  roles?: readonly Role[];
  /** The refusal's message when the role does not fit (the engine's own wording where it checks the same). */
  forbidden?: string;
  /** The closed error codes this route itself can answer; the ones its kind of route shares are added here. */
  errors: readonly ErrorCode[];
  middleware?: MiddlewareHandler<ApiEnv>[];
}

/**
 * One route, declared once: its path, input schemas, answers and who may call it. `app.openapi` validates from it,
 * the handler's input types come from it, the bearer middleware reads `security` to know it is public, and the
 * OpenAPI document is generated from the app's registry of these declarations (openapi.ts).
 */
export function apiRoute<const S extends ApiRouteSpec>({ auth, roles, forbidden, errors, middleware = [], ...route }: S) {
  const declared = {
    ...route,
    security: auth === 'public' ? [] : BEARER,
    ...(roles ? { 'x-roles': roles } : {}),
    'x-error-codes': [...new Set([...errors, ...(auth === 'public' ? PUBLIC_ERRORS : BEARER_ERRORS)])] as ErrorCode[],
    middleware: roles ? [requireRole(roles, forbidden), ...middleware] : middleware,
  };
  return createRoute(declared as typeof declared);
}

/** The JSON body of a route's declaration, when it has one. */
export function jsonBodyOf(route: RouteConfig): { schema: z.ZodType; required: boolean } | null {
  const media = route.request?.body?.content['application/json'];
  const schema = media && 'schema' in media ? media.schema : undefined;
  return schema instanceof z.ZodType ? { schema, required: route.request?.body?.required === true } : null;
}

/** `/api/approvals/{id}` (OpenAPI) → `/api/approvals/:id` (the router). */
export const routingPath = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');

/** Every route declared on the app (its sub-apps' included once composed with `app.route`). */
export function declaredRoutes(app: OpenAPIHono<ApiEnv>): RouteConfig[] {
  return app.openAPIRegistry.definitions.flatMap((d) => (d.type === 'route' ? [d.route as RouteConfig] : []));
}

/** How the refusal of invalid input names what was wrong (`Invalid request id: …`), per part of the request. */
export interface InvalidInputNames {
  param?: string;
  query?: string;
  json?: string;
  /**
   * The route has one path parameter, refused as the bare value (no field in the message or the details), as the
   * REST API always answered for ids.
   */
  bareParam?: boolean;
}

/** The validation hook: invalid input is `invalid_payload` with zod's flattened issues (the app's onError answers it). */
export function refuseInvalidInput(names: InvalidInputNames = {}): RouteHook<RouteConfig, ApiEnv> {
  return (result) => {
    if (result.success) return;
    const { target } = result;
    const name = (target === 'param' ? names.param : target === 'query' ? names.query : target === 'json' ? names.json : undefined) ?? target;
    const error = target === 'param' && names.bareParam ? new z.ZodError(result.error.issues.map((issue) => ({ ...issue, path: issue.path.slice(1) }))) : result.error;
    throw new ApiError(invalidPayload(name, error).error);
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text. Bytes that are not UTF-8 are refused, not replaced with U+FFFD: that would change what was asked. */
async function bodyText(c: Context): Promise<string> {
  const bytes = await c.req.arrayBuffer();
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw ApiError.of('invalid_payload', 'Request body is not valid UTF-8');
  }
}

/**
 * Reads, parses and validates a route's JSON body against its declared schema. Ours rather than the library's
 * validator because the hub's answers predate it: any Content-Type is read as JSON (no 415), bytes must be UTF-8,
 * a parsed body over the payload limit is `payload_too_large`, and the body is read after the path and query are
 * checked, so an id is refused before its body is looked at.
 */
async function validateJsonBody(c: Context, body: { schema: z.ZodType; required: boolean }, name: string, maxPayloadBytes: number): Promise<void> {
  const text = await bodyText(c);
  if (!body.required && text.trim() === '') {
    c.req.addValidatedData('json', {});
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw ApiError.of('invalid_payload', 'Request body is not valid JSON');
  }
  if (payloadBytes(value) > maxPayloadBytes) throw ApiError.of('payload_too_large', `Body larger than the hub's limit of ${maxPayloadBytes} bytes`);
  const parsed = body.schema.safeParse(value);
  if (!parsed.success) throw new ApiError(invalidPayload(name, parsed.error).error);
  c.req.addValidatedData('json', parsed.data as object);
}

/** A route's own answer to invalid input (a download that does not exist is `not_found`, not invalid). */
export type InvalidInputAnswer = (c: Context<ApiEnv>) => Response;

/** A handler of a declared route: its input typed from the declaration; it answers any Response (errors through `problem`). */
export type ApiHandler<R extends RouteConfig> = (c: Parameters<RouteHandler<R, ApiEnv>>[0]) => Response | Promise<Response>;

/**
 * Mounts declared routes on one app: `app.openapi` with the hub's answers to invalid input. A JSON body is
 * validated by `validateJsonBody` against the same declaration, as the last step before the handler; the route is
 * registered for the document as declared.
 */
export function routeMounter(app: ApiApp, maxPayloadBytes?: () => number) {
  return function mount<R extends RouteConfig>(route: R, handler: ApiHandler<R>, invalid: InvalidInputNames | InvalidInputAnswer = {}): void {
    const hook = (typeof invalid === 'function' ? (result: { success: boolean }, c: Context<ApiEnv>) => (result.success ? undefined : invalid(c)) : refuseInvalidInput(invalid)) as unknown as RouteHook<R, ApiEnv>;
    const names = typeof invalid === 'function' ? {} : invalid;
    const body = jsonBodyOf(route);
    if (!body) {
      app.openapi(route, handler as unknown as RouteHandler<R, ApiEnv>, hook as never);
      return;
    }
    if (!maxPayloadBytes) throw new Error(`${route.method.toUpperCase()} ${route.path} takes a body: its app's routeMounter needs the payload limit`);
    const limit = maxPayloadBytes;
    const { middleware: _middleware, hide: _hide, ...declared } = route;
    app.openAPIRegistry.registerPath(declared);
    const { body: _body, ...request } = route.request ?? {};
    app.openapi({ ...route, request, hide: true }, (async (c: Context<ApiEnv>) => {
      await validateJsonBody(c, body, names.json ?? 'body', limit());
      return handler(c as Parameters<ApiHandler<R>>[0]);
    }) as unknown as RouteHandler<R, ApiEnv>, hook as never);
  };
}

/** A fresh app for routes of the REST API (the root or a sub-app per resource). */
export const createApiApp = (): ApiApp => new OpenAPIHono<ApiEnv>({ defaultHook: refuseInvalidInput() as RouteHook<RouteConfig, ApiEnv> });

/**
 * An engine ack as the REST answer: the data, or the refusal through `problem`. A refusal as invalid input is
 * audited like the ones the validators raise (the app's onError), so every door records it the same way.
 */
export function ackReply(hub: Pick<HubContext, 'auditor'>) {
  return <T>(c: Context<ApiEnv>, ack: Ack<T>): Response => {
    if (ack.ok) return c.json(ack.data as object);
    if (ack.error.code === 'invalid_payload') {
      const principal = c.get('principal');
      hub.auditor.record({ actor: actorOf(principal), key: principal.id, channel: `${c.req.method} ${c.req.routePath}`, code: 'invalid_payload', message: ack.error.message });
    }
    return problemOf(c, ack.error);
  };
}

/** A JSON answer of a route's declaration. */
export const jsonAnswer = <S extends z.ZodType>(schema: S, description: string) => ({ description, content: { 'application/json': { schema } } }) as const;
/** A non-JSON answer (`text/html`, Prometheus text, a tarball). */
export const textAnswer = <M extends string>(mediaType: M, description: string) => ({ description, content: { [mediaType]: { schema: z.string() } } as Record<M, { schema: z.ZodString }> });
/** A JSON request body of a route's declaration. */
export const jsonRequestBody = <S extends z.ZodType>(schema: S, required = true) => ({ required, content: { 'application/json': { schema } } }) as const;
