import { Agent, connectHub, openAICompatibleModel, type HubClient, type OpenAICompatibleModelOptions } from '@approval-hub/agent-sdk';
import type { Logger } from '../runtime/logger.js';
import type { DemoAgentName } from './demo-agent-names.js';
import { demoScenarios } from './demo-scenarios.js';
import { MCP_DEMO_SERVER, startMcpDemo } from './mcp-demo.js';

export interface DemoAgents {
  stop(): Promise<void>;
}

/** Demo runs wait this long for a reviewer, so a countdown is visible without requests lingering for hours. */
const DEMO_TIMEOUT_MS = 180_000;
/** Runs one demo agent keeps in flight at most: the queue fills, but never floods. */
const MAX_RUNS_IN_FLIGHT = 2;

/**
 * Three demo agents inside the hub process, each a real SDK client over a real socket. Each starts a run
 * every `intervalMs` (with jitter) while it has fewer than MAX_RUNS_IN_FLIGHT waiting on a reviewer.
 */
export interface DemoAgentsOptions {
  url: string;
  /** The agent token of any demo agent without one of its own in `agentTokens`. */
  token: string;
  /** Each demo agent's own token (see `demoAgentTokens`), so reviewers see it as who it is. */
  agentTokens?: Partial<Record<DemoAgentName, string>>;
  intervalMs: number;
  log: Logger;
  model?: OpenAICompatibleModelOptions | undefined;
}

export function startDemoAgents(options: DemoAgentsOptions): DemoAgents {
  const tokenOf = (name: DemoAgentName) => options.agentTokens?.[name] ?? options.token;
  const clients: HubClient[] = [];
  // A real model when one is configured (OPENAI_BASE_URL); otherwise each scenario's scripted one.
  const llm = options.model ? openAICompatibleModel(options.model) : null;
  const timers = new Map<string, NodeJS.Timeout>();
  let stopped = false;

  for (const scenario of demoScenarios()) {
    const log = options.log.child({ agent: scenario.agentName });
    const hub = connectHub({ url: options.url, token: tokenOf(scenario.agentName), agentName: scenario.agentName });
    clients.push(hub);
    let inFlight = 0;

    const runOnce = async () => {
      const { task, model: scripted } = scenario.nextRun();
      const agent = new Agent({
        name: scenario.agentName,
        model: llm ?? scripted,
        ...(llm ? { instructions: `You are ${scenario.agentName}. Use the tools to do the task, then report briefly.`, maxSteps: 6 } : {}),
        tools: scenario.tools,
        approval: { policy: 'all', hub, autoApproveReadOnly: true, timeoutMs: DEMO_TIMEOUT_MS, queue: scenario.queue },
        onEvent: (event) => {
          if (event.type === 'approval_requested') log.info({ event: 'demo.approval_requested', tool: event.toolName }, `asking to run ${event.toolName}`);
          if (event.type === 'tool_result') {
            log.info({ event: 'demo.tool_result', tool: event.record.name, approval: event.record.approval, executed: event.record.executed }, event.record.result.slice(0, 200));
          }
        },
      });
      await agent.run(task);
    };

    const startRun = () => {
      if (stopped || inFlight >= MAX_RUNS_IN_FLIGHT) return;
      inFlight++;
      runOnce()
        .catch((error: unknown) => {
          if (!stopped) log.warn({ err: error }, 'demo run failed');
        })
        .finally(() => inFlight--);
    };
    const schedule = (delay: number) => {
      if (stopped) return;
      timers.set(
        scenario.agentName,
        setTimeout(() => {
          startRun();
          schedule(options.intervalMs * (0.5 + Math.random()));
        }, delay),
      );
    };
    // The first request comes at once, so a fresh console has something to show.
    schedule(100 + Math.random() * 400);
  }

  const mcp = startMcpDemo({ url: options.url, token: tokenOf(MCP_DEMO_SERVER), intervalMs: options.intervalMs, log: options.log.child({ agent: 'warehouse-db (MCP)' }) });

  return {
    async stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      for (const client of clients) client.close();
      await mcp.stop();
    },
  };
}
