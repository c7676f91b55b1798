import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { Namespace as Ns, type ApprovalRecord } from '@approval-hub/protocol';
import { Server, type ServerOptions } from 'socket.io';
import { AuthThrottle } from './identity/auth-throttle.js';
import { systemClock, type Clock } from './runtime/clock.js';
import type { HubConfig } from './config.js';
import type { CrashHook } from './runtime/crash-hook.js';
import { ApprovalEngine } from './engine/approval-engine.js';
import { createDecisionLinks, type DecisionLinks } from './decision-links/decision-links.js';
import { DecisionWaiters } from './engine/decision-waiters.js';
import { LongPolls } from './http/long-polls.js';
import type { HubContext } from './transports/hub-context.js';
import { clientAddressOf } from './http/client-address.js';
import { mountClientDownloads } from './http/client-downloads.js';
import { serveConsole } from './http/console-static.js';
import { originPolicyOf, requestOriginAllowed } from './http/origin-policy.js';
import { refuseForeignOriginUpgrades } from './http/upgrade-origin-guard.js';
import { createProcessMetrics } from './http/metrics.js';
import { listenMetricsPort, mountMetricsRoute } from './http/metrics-endpoint.js';
import { createCommitMetrics, createHubMetrics } from './http/prometheus-metrics.js';
import { createRestApi } from './http/rest-api.js';
import { timeStoreWrites } from './store/timed-store.js';
import { createLogger, type Logger } from './runtime/logger.js';
import { PrincipalBudgets } from './limits/principal-budgets.js';
import { PrincipalDirectory } from './identity/principals.js';
import { RejectionAuditor } from './audit/rejection-audit.js';
import { attachAgentNamespace, type AgentNamespace } from './sockets/agent-namespace.js';
import { limitHttpConnections, perTokenSocketCap, totalConnectionCap } from './sockets/connection-limits.js';
import { connectError, useAuthThrottle } from './sockets/handshake-auth.js';
import { attachReviewerNamespace, type ReviewerNamespace } from './sockets/reviewer-namespace.js';
import type { ApprovalStore } from './store/store.js';
import { HUB_VERSION } from './runtime/version.js';
import { mountDeliveryLogRoutes } from './notifications/delivery-log-routes.js';
import { DeliveryLog } from './notifications/delivery-log.js';
import { createNotifications } from './notifications/notifications.js';
import { mountSlackInteractions } from './notifications/slack-interactions.js';

export interface CreateHubOptions {
  config: HubConfig;
  store: ApprovalStore;
  clock?: Clock;
  logger?: Logger;
  /** Where the built console lives; defaults to `apps/console/dist` beside this package. */
  consoleDir?: string;
  /** Test-only (HUB_CRASH_AT): called at named points so a crash test can kill the process there. */
  crashHook?: CrashHook;
  /** Carries reviewer broadcasts to the other hub processes sharing the database (several nodes). */
  socketAdapter?: ServerOptions['adapter'];
}

export interface Hub {
  readonly engine: ApprovalEngine;
  readonly io: Server;
  readonly httpServer: HttpServer;
  /** The HTTP router (the API documents are checked against its routes). */
  readonly app: ReturnType<typeof createRestApi>;
  readonly context: HubContext;
  /** Issues signed single-use decision links (`<publicUrl>/d/<token>`) for notifications to carry. */
  readonly decisionLinks: DecisionLinks;
  /**
   * Starts listening (and the deadline timer); resolves with the bound port and base URL, and the URL of the
   * unauthenticated metrics port when `metrics.port` is set.
   */
  listen(port?: number, host?: string): Promise<{ port: number; url: string; metricsUrl?: string }>;
  /** Applies a new config: tokens (revoked sessions are disconnected), approval rules, origins. */
  reload(config: HubConfig): void;
  /** Stops accepting, disconnects everyone, stops timers; the store stays open (its owner closes it). */
  close(): Promise<void>;
}

const defaultConsoleDir = fileURLToPath(new URL('../../console/dist', import.meta.url));
// The same folder from src/ (tests) and dist/ (a build): where the hub's build packs its client packages.
const defaultDownloadsDir = fileURLToPath(new URL('../dist/downloads', import.meta.url));

/**
 * Builds a hub around a store, a clock and a config; nothing listens until `listen()`. Each part is built after the
 * parts it uses, so nothing is assigned late; the only mutable state is what changes at run time (the live config,
 * the listening URL, the metrics server).
 */
export function createHub(options: CreateHubOptions): Hub {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? createLogger(options.config.logLevel);
  // The live config and token directory: `reload()` replaces them, and every part reads them through `live`.
  const live = { config: options.config, principals: new PrincipalDirectory(options.config.tokens) };
  let listeningUrl: string | null = null;

  // Every store write is timed for the commit-latency histogram (the engine hands each write its outbox rows).
  const commitMetrics = createCommitMetrics();
  const store = timeStoreWrites(options.store, commitMetrics.observeCommit);
  const auditor = new RejectionAuditor(store, log, clock);
  const engine = new ApprovalEngine({ store, clock, config: options.config, logger: log, auditor, crashHook: options.crashHook });
  const decisionLinks = createDecisionLinks({
    store,
    engine,
    clock,
    config: () => live.config,
    principals: () => live.principals,
    listeningUrl: () => listeningUrl,
  });
  // Each email recipient, and each Slack reviewer who asks, gets a decision link of their own.
  const issueDecisionLinkToken = async (record: ApprovalRecord, reviewer: string, via: 'email' | 'slack') => (await decisionLinks.issue(record, reviewer, { via })).token;
  const notifications = createNotifications({
    store,
    engine,
    clock,
    log,
    config: () => live.config.notifications,
    tokens: () => live.config.tokens,
    decisionLinks: issueDecisionLinkToken,
    sealButton: (record) => decisionLinks.sealButton(record),
  });
  const limitsNow = () => live.config.limits;
  const context: HubContext = {
    get config() {
      return live.config;
    },
    get principals() {
      return live.principals;
    },
    engine,
    clock,
    log,
    auditor,
    authThrottle: new AuthThrottle(limitsNow, () => log),
    linkThrottle: new AuthThrottle(limitsNow, () => log),
    slackThrottle: new AuthThrottle(limitsNow, () => log),
    budgets: new PrincipalBudgets(limitsNow, () => auditor),
    startedAt: Date.now(),
    version: HUB_VERSION,
  };

  const waiters = new DecisionWaiters();
  const longPolls = new LongPolls();
  engine.attend((change) => change.kind === 'resolved' && waiters.has(change.requestId));
  engine.on('resolved', (record) => waiters.resolve(record));
  engine.on('resync', () => {
    waiters.recheck((id) => engine.settledRecord(id)).catch((error: unknown) => log.error({ err: error }, 'could not re-read awaited requests; their long-polls end at their timeout'));
  });

  const limits = options.config.limits;
  // Attached to the HTTP server below, once the server (and the router it serves) exists.
  const io = new Server({
    // Room above the payload limit so a slightly larger payload is answered `payload_too_large`, not dropped.
    maxHttpBufferSize: limits.maxPayloadBytes * 2 + 16 * 1024,
    allowRequest: (req, callback) => {
      const allowed = requestOriginAllowed(req, originPolicyOf(context.config));
      if (!allowed) context.authThrottle.logRefusal(clientAddressOf(req, context.config.trustedProxies), { event: 'origin.refused', code: 'forbidden', origin: req.headers.origin }, 'handshake from a foreign origin refused');
      callback(allowed ? null : 'Origin not allowed', allowed);
    },
    cors: { origin: (origin, cb) => cb(null, origin !== undefined && context.config.allowedOrigins.includes(origin)), credentials: false },
    serveClient: false,
    connectionStateRecovery: undefined,
    ...(options.socketAdapter ? { adapter: options.socketAdapter } : {}),
  });
  const connections = () => ({ agents: io.of(Ns.agent).sockets.size, reviewers: io.of(Ns.reviewer).sockets.size });

  const metrics = createProcessMetrics();
  const prometheus = createHubMetrics(commitMetrics, {
    engine,
    counts: () => store.counts(),
    connections,
    configuredQueues: () => context.config.queues.map((q) => q.name),
    outboxCounts: () => store.outboxCounts(),
  });
  const app = createRestApi(context, {
    waiters,
    longPolls,
    metrics,
    connections,
    mountPublicRoutes: (api) => mountSlackInteractions(api, context, { issue: issueDecisionLinkToken, openButton: (value) => decisionLinks.openButton(value) }),
    decisionLinks,
  });
  const deliveryLog = new DeliveryLog(store, clock, () => notifications.wake());
  mountDeliveryLogRoutes(app, () => deliveryLog, () => context.config.limits.maxPageBytes);
  mountMetricsRoute(app, context, prometheus);
  let metricsServer: HttpServer | null = null;
  mountClientDownloads(app, defaultDownloadsDir);
  const consoleServed = serveConsole(app, options.consoleDir ?? defaultConsoleDir);
  // Checked every second so the headers timeout (limits.headersTimeoutMs) cuts off slow or silent clients promptly.
  const httpServer = createServer({ connectionsCheckingInterval: 1000 }, getRequestListener(app.fetch));

  io.attach(httpServer);
  io.use((_socket, next) => next(connectError('forbidden', `Connect to ${Ns.agent} or ${Ns.reviewer}`)));
  // Connection caps and the failed-authentication throttle (issue #9): the total cap runs before the token is
  // looked at, the per-token cap after the namespace's own handshakeAuth has set the principal.
  const connectionLimits = () => context.config.limits;
  refuseForeignOriginUpgrades(httpServer, (req) => requestOriginAllowed(req, originPolicyOf(context.config)), (req) =>
    context.authThrottle.logRefusal(clientAddressOf(req, context.config.trustedProxies), { event: 'origin.refused', code: 'forbidden', origin: req.headers.origin }, 'upgrade from a foreign origin refused'),
  );
  limitHttpConnections(httpServer, limits);
  useAuthThrottle(io, context.authThrottle, () => context.config.trustedProxies);
  for (const ns of [Ns.agent, Ns.reviewer]) io.of(ns).use(totalConnectionCap(io, connectionLimits, log));
  // One server, two contracts: each namespace gets its own typed event maps.
  attachAgentNamespace(io.of(Ns.agent) as unknown as AgentNamespace, context);
  attachReviewerNamespace(io.of(Ns.reviewer) as unknown as ReviewerNamespace, context);
  const perToken = perTokenSocketCap(connectionLimits, log);
  for (const ns of [Ns.agent, Ns.reviewer]) io.of(ns).use(perToken);

  let started = false;
  return {
    engine,
    io,
    httpServer,
    app,
    context,
    decisionLinks,
    async listen(port = options.config.port, host = options.config.host) {
      if (!started) {
        await engine.start();
        notifications.start();
        started = true;
      }
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      const address = httpServer.address() as AddressInfo;
      const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
      const url = `http://${shownHost}:${address.port}`;
      listeningUrl = url;
      log.info({ event: 'hub.listening', port: address.port, host, console: consoleServed }, 'hub listening');
      const metricsPort = options.config.metrics.port;
      if (metricsPort === undefined || metricsServer) return { port: address.port, url };
      const metricsListening = await listenMetricsPort(prometheus, metricsPort, options.config.metrics.host);
      metricsServer = metricsListening.server;
      log.info({ event: 'metrics.listening', url: metricsListening.url }, 'unauthenticated metrics port listening');
      return { port: address.port, url, metricsUrl: metricsListening.url };
    },
    reload(config) {
      live.config = config;
      live.principals = new PrincipalDirectory(config.tokens);
      engine.updateConfig(config);
      notifications.restart();
      // A session whose token was revoked, or whose role or queues changed, ends now: sockets are disconnected (the
      // client reconnects with its new rights, if any) and long-polls end with 401.
      for (const nsp of [io.of(Ns.agent), io.of(Ns.reviewer)]) {
        for (const socket of nsp.sockets.values()) {
          const token = (socket.handshake.auth as { token?: unknown }).token;
          if (typeof token !== 'string' || !context.principals.stillValid(token, socket.data.principal)) {
            log.info({ event: 'session.revoked', principal: socket.data.principal?.id }, 'token changed or revoked; disconnecting');
            socket.disconnect(true);
          }
        }
      }
      longPolls.revokeWhere((token, principal) => !context.principals.stillValid(token, principal));
      log.info({ event: 'hub.reloaded', tokens: config.tokens.length }, 'config reloaded');
    },
    async close() {
      engine.stop();
      await notifications.stop();
      metrics.stop();
      // This node's sockets only: with a cluster adapter, `io.disconnectSockets` would reach every node.
      io.local.disconnectSockets(true);
      // The callback runs once the HTTP server has closed too; the promise alone settles before that.
      await new Promise<void>((resolve, reject) => {
        io.close(() => resolve()).catch(reject);
      });
      httpServer.closeAllConnections?.();
      if (metricsServer) {
        const server = metricsServer;
        metricsServer = null;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
