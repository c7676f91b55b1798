/**
 * The names the demo agents give themselves. A token whose principal has one of these names (a dev token, or
 * one in the config) is the one that demo agent connects with; the others share the first agent token.
 */
export const DEMO_AGENT_NAMES = ['ops-agent', 'billing-agent', 'mail-agent', 'warehouse-db'] as const;
export type DemoAgentName = (typeof DEMO_AGENT_NAMES)[number];

/** Which token each demo agent connects with: its own when one is configured, else the shared one. */
export function demoAgentTokens(tokens: ReadonlyArray<{ token: string; role: string; name: string }>, shared: string): Record<DemoAgentName, string> {
  const own = (name: DemoAgentName) => tokens.find((t) => t.role === 'agent' && t.name === name)?.token ?? shared;
  return Object.fromEntries(DEMO_AGENT_NAMES.map((name) => [name, own(name)])) as Record<DemoAgentName, string>;
}
