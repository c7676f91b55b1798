import { Client, type ClientOptions } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { readFileSync, existsSync } from 'node:fs';
import { proxyBin, upstreamScript } from './hub-fixture.js';

export interface SpawnedProxy {
  client: Client;
  stderr: () => string;
  close: () => Promise<void>;
}

/** Starts the built bin as a client would (stdio) and connects the SDK's real Client to it. */
export async function spawnProxy(args: string[], env: Record<string, string> = {}, clientOptions?: ClientOptions, prepare?: (client: Client) => void): Promise<SpawnedProxy> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [proxyBin, ...args], env: { ...getDefaultEnvironment(), ...env }, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'test-client', version: '1.0.0' }, clientOptions);
  prepare?.(client);
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

/** The upstream command line for the records test server. */
export function recordsUpstream(): string[] {
  return ['--', process.execPath, upstreamScript];
}

export function textOf(result: unknown): string {
  const content = (result as CallToolResult).content ?? [];
  return content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
}

/** Executions the records server logged, one per tool run. */
export function callsIn(callLog: string): { tool: string; args: Record<string, unknown> }[] {
  if (!existsSync(callLog)) return [];
  return readFileSync(callLog, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { tool: string; args: Record<string, unknown> });
}
