import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { PACKAGE_VERSION } from './version.js';

export type UpstreamTarget = { command: string[]; env: Record<string, string> } | { url: string };

/** What the proxy may declare upstream on a client's behalf: only what it can pass back to that client. */
export function upstreamCapabilitiesFor(client: ClientCapabilities | undefined): ClientCapabilities {
  const capabilities: ClientCapabilities = {};
  if (client?.sampling) capabilities.sampling = client.sampling;
  if (client?.elicitation) capabilities.elicitation = client.elicitation;
  if (client?.roots) capabilities.roots = client.roots;
  return capabilities;
}

/**
 * Connects to the real MCP server: spawns it (stdio) or joins it (Streamable HTTP), declaring `capabilities`.
 * `prepare` runs before the connection opens, so handlers are in place for whatever the server sends first.
 */
export async function connectUpstream(target: UpstreamTarget, capabilities: ClientCapabilities = {}, prepare?: (client: Client) => void): Promise<Client> {
  const client = new Client({ name: 'approval-hub-mcp', version: PACKAGE_VERSION }, { capabilities });
  prepare?.(client);
  if ('url' in target) {
    await client.connect(new StreamableHTTPClientTransport(new URL(target.url)));
  } else {
    const [command, ...args] = target.command;
    // stderr is inherited: the upstream's own logs belong beside ours, and stdout is the MCP channel.
    await client.connect(new StdioClientTransport({ command: command!, args, env: target.env, stderr: 'inherit' }));
  }
  return client;
}
