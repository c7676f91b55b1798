import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PACKAGE_VERSION } from './version.js';

export type UpstreamTarget = { command: string[]; env: Record<string, string> } | { url: string };

/** Connects to the real MCP server: spawns it (stdio) or joins it (Streamable HTTP). */
export async function connectUpstream(target: UpstreamTarget): Promise<Client> {
  const client = new Client({ name: 'approval-hub-mcp', version: PACKAGE_VERSION }, { capabilities: {} });
  if ('url' in target) {
    await client.connect(new StreamableHTTPClientTransport(new URL(target.url)));
  } else {
    const [command, ...args] = target.command;
    // stderr is inherited: the upstream's own logs belong beside ours, and stdout is the MCP channel.
    await client.connect(new StdioClientTransport({ command: command!, args, env: target.env, stderr: 'inherit' }));
  }
  return client;
}
