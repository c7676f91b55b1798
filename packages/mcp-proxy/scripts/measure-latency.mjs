#!/usr/bin/env node
// Latency of one tool call through the MCP proxy against calling the upstream directly, in one run:
//   direct          SDK Client -> records server (stdio)
//   never-gated     SDK Client -> proxy -> records server (a non-destructive tool the policy does not gate)
//   auto-approved   SDK Client -> proxy -> hub (policy approves on arrival) -> records server
// Usage (after `pnpm build`): node packages/mcp-proxy/scripts/measure-latency.mjs [--calls 500] [--warmup 50]
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '@approval-hub/test-ports';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '500' }, warmup: { type: 'string', default: '50' } } });
const CALLS = Number(values.calls);
const WARMUP = Number(values.warmup);
const here = path.dirname(fileURLToPath(import.meta.url));
const hubMain = path.resolve(here, '../../../apps/hub/dist/main.js');
const proxyBin = path.resolve(here, '../dist/cli.js');
const upstream = path.resolve(here, '../test/fixtures/test-upstream.mjs');

async function startHub() {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-latency-'));
  const agentToken = `latency-agent-${Math.random().toString(36).slice(2)}`;
  const config = {
    tokens: [
      { token: agentToken, role: 'agent', name: 'latency' },
      { token: `latency-reviewer-${Math.random().toString(36).slice(2)}`, role: 'reviewer', name: 'r' },
    ],
    approval: { policies: [{ rule: 'latency-auto-approve', match: { toolName: 'delete_record' }, action: 'approve' }] },
    limits: { ratePerSecond: 10_000, rateBurst: 10_000 },
    logLevel: 'warn',
  };
  writeFileSync(path.join(dir, 'hub.json'), JSON.stringify(config));
  const port = await freePort();
  const child = spawn(process.execPath, [hubMain, '--config', path.join(dir, 'hub.json'), '--db', path.join(dir, 'hub.db'), '--port', String(port), '--no-demo'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {}
    if (i > 300) throw new Error('hub did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, agentToken, child };
}

async function connect(command, args, env = {}) {
  const client = new Client({ name: 'latency', version: '1' });
  await client.connect(new StdioClientTransport({ command, args, env: { ...getDefaultEnvironment(), ...env }, stderr: 'ignore' }));
  return client;
}

async function measure(label, call) {
  for (let i = 0; i < WARMUP; i++) await call(i);
  const samples = [];
  for (let i = 0; i < CALLS; i++) {
    const start = performance.now();
    const result = await call(WARMUP + i);
    samples.push(performance.now() - start);
    if (result.isError) throw new Error(`${label}: ${JSON.stringify(result.content)}`);
  }
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)];
  return { label, p50: at(0.5), p99: at(0.99), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

const hub = await startHub();
const direct = await connect(process.execPath, [upstream]);
const proxied = await connect(process.execPath, [proxyBin, '--hub', hub.url, '--require-approval', 'delete_record', '--', process.execPath, upstream], { HUB_AGENT_TOKEN: hub.agentToken });
try {
  // Each auto-approved call uses fresh arguments: the same arguments would re-attach to a decided request id.
  const rows = [
    await measure('direct (tag_record)', (i) => direct.callTool({ name: 'tag_record', arguments: { id: `r${i}`, tag: 't' } })),
    await measure('proxy, never gated (tag_record)', (i) => proxied.callTool({ name: 'tag_record', arguments: { id: `r${i}`, tag: 't' } })),
    await measure('direct (delete_record)', (i) => direct.callTool({ name: 'delete_record', arguments: { id: `d${i}` } })),
    await measure('proxy, hub auto-approved (delete_record)', (i) => proxied.callTool({ name: 'delete_record', arguments: { id: `p${i}` } })),
  ];
  console.log(`${CALLS} sequential calls each after ${WARMUP} warm-up calls (ms)`);
  console.table(rows.map((r) => ({ path: r.label, p50: r.p50.toFixed(2), p99: r.p99.toFixed(2), mean: r.mean.toFixed(2) })));
} finally {
  await direct.close();
  await proxied.close();
  hub.child.kill('SIGTERM');
}
