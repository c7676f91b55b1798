import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  Namespace,
  type Ack,
  type AgentClientToServerEvents,
  type AgentServerToClientEvents,
  type ReviewerClientToServerEvents,
  type ReviewerServerToClientEvents,
} from '@approval-hub/protocol';
import { io, type Socket } from 'socket.io-client';
import type { Clock } from '../../src/runtime/clock.js';
import { parseConfig, type HubConfigInput } from '../../src/config.js';
import { createHub, type Hub } from '../../src/create-hub.js';
import { createLogger, type Logger } from '../../src/runtime/logger.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { EVERYTHING, type ApprovalStore } from '../../src/store/store.js';
import type { ApprovalRecord, AuditEntry, AuditType } from '@approval-hub/protocol';
import { freshDatabase, type TestDatabase } from './postgres.js';

export type AgentSocket = Socket<AgentServerToClientEvents, AgentClientToServerEvents>;
export type ReviewerSocket = Socket<ReviewerServerToClientEvents, ReviewerClientToServerEvents>;

export const tokens = {
  agent: 'agent-token-0123456789',
  agent2: 'agent2-token-0123456789',
  reviewer: 'reviewer-token-0123456789',
  reviewer2: 'reviewer2-token-0123456789',
  ops: 'ops-reviewer-token-0123456789',
  admin: 'admin-token-0123456789',
} as const;

export const defaultTokens: NonNullable<HubConfigInput['tokens']> = [
  { token: tokens.agent, role: 'agent', name: 'test-agent' },
  { token: tokens.agent2, role: 'agent', name: 'other-agent' },
  { token: tokens.reviewer, role: 'reviewer', name: 'Alice', id: 'alice' },
  { token: tokens.reviewer2, role: 'reviewer', name: 'Bob', id: 'bob' },
  { token: tokens.ops, role: 'reviewer', name: 'Olga', id: 'olga', queues: ['ops'] },
  { token: tokens.admin, role: 'admin', name: 'Root', id: 'root' },
];

/** A clock tests can move; starts at the real time so ISO strings look ordinary. */
export class TestClock implements Clock {
  #now = Date.UTC(2026, 10, 22, 12, 0, 0);
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
  set(ms: number): void {
    this.#now = ms;
  }
}

/** The stores a test hub can run on. */
export type DatabaseKind = 'sqlite' | 'postgres';

/** The store test hubs run on by default: the vitest project's (vitest.config.ts), else SQLite. */
export const testDatabase: DatabaseKind = process.env.HUB_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
/** For the few tests inside store-agnostic suites that are about SQLite itself (they run in the SQLite project only). */
export const onPostgres = testDatabase === 'postgres';

export interface TestHub {
  hub: Hub;
  store: ApprovalStore;
  url: string;
  port: number;
  /** The unauthenticated metrics URL, when the config sets `metrics.port`. */
  metricsUrl: string | undefined;
  database: DatabaseKind;
  /** The SQLite file (SQLite hubs only: tests that open the file itself are SQLite tests). */
  dbPath: string;
  /** The PostgreSQL database's URL (PostgreSQL hubs only). */
  databaseUrl: string | null;
  dir: string;
  clock: Clock;
  /** A request as stored, read through the store API (null when there is none). */
  record(requestId: string): Promise<ApprovalRecord | null>;
  connectAgent(token?: string, options?: { autoConnect?: boolean }): AgentSocket;
  connectReviewer(token?: string): ReviewerSocket;
  /** Closes the hub and store without removing the database (a clean stop). */
  stop(): Promise<void>;
  /** Starts a new hub on the same database and port. */
  restart(configOverrides?: HubConfigInput): Promise<TestHub>;
  close(): Promise<void>;
}

/** PostgreSQL databases of running test hubs, by their folder. */
const postgresByDir = new Map<string, TestDatabase>();

export interface TestHubOptions {
  clock?: Clock;
  dir?: string;
  port?: number;
  /** Puts a wrapper (e.g. one that injects database errors) between the hub and its store. */
  wrapStore?: (store: ApprovalStore) => ApprovalStore;
  /** Which store the hub runs on (default SQLite). A PostgreSQL hub gets a fresh database, dropped by `close()`. */
  database?: DatabaseKind;
  /** Internal: the PostgreSQL database a restarted hub keeps (and drops at its `close()`). */
  postgres?: TestDatabase;
  /** Where the hub logs (silent by default). */
  logger?: Logger;
}

export async function startTestHub(overrides: HubConfigInput = {}, options: TestHubOptions = {}): Promise<TestHub> {
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'approval-hub-test-'));
  const dbPath = path.join(dir, 'hub.db');
  const kind = options.database ?? testDatabase;
  // A hub started in another's folder shares its data, on PostgreSQL as on SQLite.
  const shared = kind === 'postgres' && !options.postgres ? postgresByDir.get(dir) : undefined;
  const postgres = kind === 'postgres' ? (options.postgres ?? shared ?? (await freshDatabase())) : undefined;
  if (postgres) postgresByDir.set(dir, postgres);
  const database = postgres ? { database: { kind: 'postgres' as const, url: postgres.url } } : { dbPath };
  const config = parseConfig({ port: 0, ...database, tokens: defaultTokens, demo: { enabled: false }, logLevel: 'silent', ...overrides });
  const store: ApprovalStore = postgres
    ? await openPostgresStore({ url: postgres.url })
    : await openSqliteStore({ path: dbPath, durability: config.database.kind === 'sqlite' ? config.database.durability : 'normal' });
  const hub = createHub({ config, store: options.wrapStore ? options.wrapStore(store) : store, ...(options.clock ? { clock: options.clock } : {}), logger: options.logger ?? createLogger('silent'), consoleDir: path.join(dir, 'no-console') });
  const { port, url, metricsUrl } = await hub.listen(options.port ?? 0, '127.0.0.1');
  const mine: Socket[] = [];
  const connect = <S extends Socket>(nsp: string, token: string | undefined, autoConnect = true) => {
    const socket = io(`${url}${nsp}`, {
      auth: token === undefined ? {} : { token },
      transports: ['websocket'],
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
      autoConnect,
    }) as unknown as S;
    mine.push(socket);
    return socket;
  };
  let stopped = false;
  let restarted = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await hub.close();
    await store.close();
  };
  const testHub: TestHub = {
    hub,
    store,
    url,
    port,
    metricsUrl,
    database: kind,
    dbPath,
    databaseUrl: postgres?.url ?? null,
    dir,
    clock: options.clock ?? { now: () => Date.now() },
    record: async (requestId) => (await store.getRequest(requestId, EVERYTHING))?.record ?? null,
    connectAgent: (token = tokens.agent, o = {}) => connect<AgentSocket>(Namespace.agent, token, o.autoConnect ?? true),
    connectReviewer: (token = tokens.reviewer) => connect<ReviewerSocket>(Namespace.reviewer, token),
    stop,
    restart: async (configOverrides = overrides) => {
      await stop();
      restarted = true;
      return startTestHub(configOverrides, { ...options, dir, port, ...(postgres ? { postgres } : {}) });
    },
    close: async () => {
      for (const socket of mine) socket.disconnect();
      await stop();
      // The hub that made the database drops it; a restarted hub hands it on to the next.
      if (postgres && !shared && !restarted) {
        postgresByDir.delete(dir);
        await postgres.drop();
      }
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return testHub;
}

/** Resolves on the next `event` (with its first argument). */
export function once<T = unknown>(socket: Socket, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    const handler = (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(event, handler);
  });
}

export async function connected(socket: Socket): Promise<void> {
  if (socket.connected) return;
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(error));
  });
}

export async function connectError(socket: Socket): Promise<Error & { data?: { code: string; message: string } }> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected, but a refusal was expected')));
    socket.once('connect_error', (error) => resolve(error as Error & { data?: { code: string; message: string } }));
  });
}

/** `emitWithAck` with a typed envelope, for events whose payload we want to send unchecked. */
export async function emitAck<T = unknown>(socket: Socket, event: string, ...args: unknown[]): Promise<Ack<T>> {
  await connected(socket);
  return (await socket.timeout(5000).emitWithAck(event, ...args)) as Ack<T>;
}

/** Collects every `event` a socket receives from now on. */
export function collect<T = unknown>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

/** Waits until `predicate` holds, polling; for effects that have no event to await. */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

let counter = 0;
export function newRequest(overrides: Record<string, unknown> = {}) {
  counter++;
  return {
    requestId: `req-${process.pid}-${Date.now()}-${counter}`,
    toolName: 'delete_pod',
    args: { name: `web-${counter}`, namespace: 'prod' },
    runId: 'run-1',
    ...overrides,
  };
}

export async function api(hub: TestHub, method: string, route: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${hub.url}${route}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: callers assert on response bodies of every shape the REST API returns.
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

/** Every stored request, oldest first, read through the store API (all pages). */
export async function allRequests(store: ApprovalStore): Promise<ApprovalRecord[]> {
  const out: ApprovalRecord[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await store.listRequests({ limit: 500, after, maxBytes: 1 << 26 }, EVERYTHING);
    out.push(...page.items);
    if (page.next === null) return out.reverse();
    after = page.next;
  }
}

/** Every audit row, hub-level ones included, oldest first, through the store API. */
export async function allAudit(store: ApprovalStore, filter: { type?: AuditType[]; requestId?: string } = {}): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await store.listAudit({ limit: 500, after, includeHubRows: true, type: filter.type, requestId: filter.requestId }, null);
    out.push(...page.items);
    if (page.next === null) return out.reverse();
    after = page.next;
  }
}

/** How many audit rows of `type` there are (for one request, when given). */
export async function countAudit(store: ApprovalStore, type: AuditType, requestId?: string): Promise<number> {
  return (await allAudit(store, { type: [type], ...(requestId === undefined ? {} : { requestId }) })).length;
}

/** The types of a request's audit rows, in order. */
export async function timelineTypes(store: ApprovalStore, requestId: string): Promise<string[]> {
  return (await store.timeline(requestId)).map((e) => e.type);
}

/** Ids of the decisions still waiting for `principalId`'s acknowledgement. */
export async function undeliveredIds(store: ApprovalStore, principalId: string): Promise<string[]> {
  return (await store.undelivered(principalId, 1000)).items.map((r) => r.requestId);
}

/** How a test stands in for one store method: given the real one (bound to the store) and the call's arguments. */
export type StoreMethodStandIn = (real: (...args: unknown[]) => unknown, args: unknown[]) => unknown;

/** A store whose named methods go through their stand-ins (for `wrapStore`: faults, interleavings); every other method is the store's own. */
export function interceptStore(store: ApprovalStore, standIns: Partial<Record<keyof ApprovalStore, StoreMethodStandIn>>): ApprovalStore {
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      const real = (value as (...args: unknown[]) => unknown).bind(target);
      const standIn = standIns[prop as keyof ApprovalStore];
      return standIn ? (...args: unknown[]) => standIn(real, args) : real;
    },
  });
}

/** Opens the store of a database no hub is running on, runs `read`, and closes it. */
export async function withStore<T>(dbPath: string, read: (store: ApprovalStore) => Promise<T>): Promise<T> {
  const store = await openSqliteStore({ path: dbPath, durability: 'normal' });
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

import Database from 'better-sqlite3';

/** Reads the hub's database directly: only for tests about SQLite itself (faults, tampering, crashes). */
export function queryDb<T = Record<string, unknown>>(dbPath: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}
