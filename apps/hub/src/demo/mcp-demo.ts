// The proxy bundles the agent SDK: its own connectHub makes a client whose errors it recognises.
import { connectHub, createApprovalProxy, proxySettings } from '@approval-hub/mcp-proxy';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, CallToolResultSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../runtime/logger.js';
import type { DemoAgentName } from './demo-agent-names.js';

export const MCP_DEMO_SERVER = 'warehouse-db' satisfies DemoAgentName;
const DEMO_TIMEOUT_MS = 180_000;
const CANCEL_GRACE_MS = 300;
const tables = ['orders_2019', 'sessions_archive', 'tmp_import', 'audit_old'];

/** A stand-in for any third-party MCP server: it knows nothing about approvals. */
function createWarehouseServer(): Server {
  const live = new Set(tables);
  const server = new Server({ name: MCP_DEMO_SERVER, version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      {
        name: 'list_tables',
        description: 'List the tables in the warehouse.',
        inputSchema: { type: 'object', properties: {} },
        annotations: { readOnlyHint: true },
      },
      {
        name: 'drop_table',
        description: 'Drop a warehouse table and all its rows. Cannot be undone.',
        inputSchema: { type: 'object', properties: { table: { type: 'string' } }, required: ['table'] },
        annotations: { title: 'Drop warehouse table', destructiveHint: true },
      },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, (request): CallToolResult => {
    if (request.params.name === 'list_tables') return { content: [{ type: 'text', text: [...live].join(', ') }] };
    const table = String(request.params.arguments?.table ?? '');
    live.delete(table);
    return { content: [{ type: 'text', text: `dropped ${table}` }] };
  });
  return server;
}

/**
 * A fourth demo agent: an MCP client calling a destructive tool of an in-process MCP server, gated by the
 * MCP approval proxy (the same code as `approval-hub-mcp`), over in-memory MCP transports.
 */
export function startMcpDemo(options: { url: string; token: string; intervalMs: number; log: Logger }): { stop(): Promise<void> } {
  const hub = connectHub({ url: options.url, token: options.token, agentName: MCP_DEMO_SERVER });
  const inFlight = new AbortController();
  let stopped = false;
  let dropping = false;
  let timer: NodeJS.Timeout | undefined;
  let proxyClose: (() => Promise<void>) | undefined;
  const clients: Client[] = [];

  const started = (async () => {
    const [upstreamSide, upstreamServerSide] = InMemoryTransport.createLinkedPair();
    await createWarehouseServer().connect(upstreamServerSide);
    const upstream = new Client({ name: 'approval-hub-mcp', version: '0.1.0' });
    await upstream.connect(upstreamSide);
    const proxy = createApprovalProxy({
      upstream,
      hub,
      settings: proxySettings({ serverName: MCP_DEMO_SERVER, trusted: true, timeoutMs: DEMO_TIMEOUT_MS }),
      hubLabel: options.url,
    });
    const [clientSide, proxySide] = InMemoryTransport.createLinkedPair();
    await proxy.createServer().connect(proxySide);
    const client = new Client({ name: 'demo-mcp-client', version: '1.0.0' });
    await client.connect(clientSide);
    clients.push(client, upstream);
    proxyClose = () => proxy.close();
    return client;
  })();

  const runOnce = async (client: Client) => {
    const listed = (await client.callTool({ name: 'list_tables', arguments: {} })) as CallToolResult;
    const first = listed.content[0];
    const names = first?.type === 'text' ? first.text.split(', ').filter(Boolean) : [];
    const table = names[Math.floor(Math.random() * names.length)] || tables[0]!;
    dropping = true;
    const result = (await client
      .callTool({ name: 'drop_table', arguments: { table } }, CallToolResultSchema, { signal: inFlight.signal, timeout: DEMO_TIMEOUT_MS + 10_000 })
      .finally(() => (dropping = false))) as CallToolResult;
    const text = result.content[0]?.type === 'text' ? result.content[0].text : '';
    const approval = !result.isError ? 'approved' : text.startsWith('[DENIED]') ? 'denied' : text.startsWith('[TIMEOUT]') ? 'timeout' : 'failed';
    // The same event as the SDK demo agents log, so whoever watches the demo sees one stream.
    options.log.info({ event: 'demo.tool_result', tool: 'drop_table', approval, executed: approval === 'approved', via: 'mcp-proxy' }, text.slice(0, 200));
  };

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      started
        .then(runOnce)
        .catch((error: unknown) => {
          if (!stopped) options.log.warn({ err: error }, 'MCP demo run failed');
        })
        .finally(() => schedule(options.intervalMs * (0.5 + Math.random())));
    }, delay);
  };
  schedule(300 + Math.random() * 400);

  return {
    async stop() {
      stopped = true;
      const wasDropping = dropping;
      clearTimeout(timer);
      // Aborting the waiting call cancels its hub request, so it leaves reviewers' queues.
      inFlight.abort('The demo is stopping');
      await started.catch(() => undefined);
      await proxyClose?.();
      await Promise.allSettled(clients.map((c) => c.close()));
      // The hub client sends approval.cancel in the background (after the request's ack, if that is still on its
      // way) and offers nothing to await; a short grace lets the waiting request leave reviewers' queues.
      if (wasDropping) await new Promise((resolve) => setTimeout(resolve, CANCEL_GRACE_MS));
      hub.close();
    },
  };
}
