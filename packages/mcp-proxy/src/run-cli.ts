import { connectHub, type HubClient } from '@approval-hub/agent-sdk';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createApprovalProxy } from './approval-proxy.js';
import type { ListenOptions, ProxyCommand, PermissionPromptCommand } from './cli-options.js';
import { listenMcpHttp } from './http-listener.js';
import { createPermissionPromptServer } from './permission-prompt.js';
import { proxySettings } from './proxy-settings.js';
import { connectUpstream } from './upstream.js';

const log = (message: string): void => {
  process.stderr.write(`[approval-hub-mcp] ${message}\n`);
};

/** Variables the proxy must not hand to the upstream server. */
const PRIVATE_ENV = new Set(['HUB_AGENT_TOKEN', 'HUB_MCP_LISTEN_TOKEN', 'HUB_MCP_REVIEWER_TOKEN']);

/** Runs a parsed command until the client goes away or a signal arrives. */
export async function runCommand(command: ProxyCommand | PermissionPromptCommand, env: NodeJS.ProcessEnv): Promise<void> {
  const stops: (() => Promise<void> | void)[] = [];
  let stopping = false;
  // Signals and a closed client only start the shutdown; nothing waits for it. Each step's failure is dropped so the
  // next step still runs, and the process exits either way.
  const closeAll = async () => {
    for (const fn of stops.reverse()) await Promise.resolve(fn()).catch(() => {});
  };
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    closeAll().then(
      () => process.exit(code),
      () => process.exit(code),
    );
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));

  const hubLogger = {
    debug: () => {},
    info: () => {},
    warn: (message: string) => log(`hub: ${message}`),
    error: (message: string, context?: object) => log(`hub: ${message}${context && 'code' in context ? ` (${String(context.code)})` : ''}`),
  };
  const openHub = (agentName: string): HubClient => {
    const hub = connectHub({ url: command.hubUrl, token: command.token, agentName, logger: hubLogger });
    stops.push(() => hub.close());
    return hub;
  };

  const serve = async (createServer: () => Server, listen: ListenOptions | null) => {
    if (listen) {
      const listener = await listenMcpHttp({ ...listen, createServer, log });
      stops.push(() => listener.close());
      // Never the token itself: logs end up in places the token must not.
      log(`serving MCP at ${listener.url}${listen.access.token ? ' (bearer token required)' : ''}`);
    } else {
      const transport = new StdioServerTransport();
      // The client closing stdin ends the session, and with it the proxy.
      transport.onclose = () => stop(0);
      await createServer().connect(transport);
      process.stdin.on('end', () => stop(0));
    }
  };

  if (command.kind === 'permission-prompt') {
    const hub = openHub('claude-code');
    await serve(
      () => createPermissionPromptServer({ hub, queue: command.queue, timeoutMs: command.timeoutMs, connectTimeoutMs: command.connectTimeoutMs, hubLabel: command.hubUrl }),
      command.listen,
    );
    return;
  }

  const upstreamEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && !PRIVATE_ENV.has(key)) upstreamEnv[key] = value;
  const target = command.upstream.kind === 'http' ? { url: command.upstream.url } : { command: command.upstream.command, env: upstreamEnv };
  // A first connection learns the server's name, capabilities and instructions; each client session then gets a
  // connection of its own (see approval-proxy.ts), so this one is closed once read.
  let probe: Awaited<ReturnType<typeof connectUpstream>>;
  try {
    probe = await connectUpstream(target);
  } catch (error) {
    log(`could not start the upstream MCP server: ${(error as Error).message}`);
    process.exit(1);
  }
  const serverName = command.name ?? probe.getServerVersion()?.name ?? 'mcp';
  const settings = proxySettings({ ...command.settings, serverName, queue: command.settings.queue ?? serverName });
  const proxy = createApprovalProxy({
    upstream: probe,
    openUpstream: (capabilities, prepare) => connectUpstream(target, capabilities, prepare),
    hub: openHub(serverName),
    settings,
    hubLabel: command.hubUrl,
    ...(command.reviewerToken ? { clientDecisions: { hubUrl: command.hubUrl, reviewerToken: command.reviewerToken } } : {}),
    log,
  });
  stops.push(() => proxy.close());
  await probe.close();
  await serve(() => proxy.createServer(), command.listen);
  log(`gating "${serverName}" through ${command.hubUrl} (mode ${settings.mode})`);
}
