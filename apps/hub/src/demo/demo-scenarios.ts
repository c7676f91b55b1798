import { defineTool, scriptedModel, type Model, type Tool } from '@approval-hub/agent-sdk';
import { z } from 'zod';
import type { DemoAgentName } from './demo-agent-names.js';

/** One demo agent: its queue, its tools, and a generator of scripted runs. */
export interface DemoScenario {
  agentName: DemoAgentName;
  queue: string;
  tools: Tool[];
  /** A task for one run and the model that plays it. */
  nextRun(): { task: string; model: Model };
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const COMPANY_DOMAIN = 'example.com';

const pods = ['checkout-7f9c', 'search-5b2d', 'payments-9a1e', 'web-3c44', 'worker-1d08'];
const namespaces = ['prod', 'staging'];

const getPods = defineTool({
  name: 'get_pods',
  description: 'List pods in a namespace with their status.',
  parameters: z.object({ namespace: z.string() }),
  readOnly: true,
  execute: ({ namespace }) => pods.map((name, i) => ({ name, namespace, status: i % 2 === 0 ? 'CrashLoopBackOff' : 'Running' })),
});

const deletePod = defineTool({
  name: 'delete_pod',
  description: 'Delete a pod so its controller recreates it.',
  parameters: z.object({ name: z.string(), namespace: z.string(), gracePeriodSeconds: z.number().int().min(0) }),
  execute: ({ name, namespace }) => ({ deleted: `${namespace}/${name}` }),
});

const sendPayment = defineTool({
  name: 'send_payment',
  description: 'Send a payment to a vendor.',
  parameters: z.object({ vendor: z.string(), amount: z.number().positive(), currency: z.string().length(3), memo: z.string() }),
  execute: ({ vendor, amount, currency }) => ({ paymentId: `pay_${Math.random().toString(36).slice(2, 10)}`, vendor, amount, currency }),
});

const sendEmail = defineTool({
  name: 'send_email',
  description: `Send an email. Messages to addresses outside ${COMPANY_DOMAIN} need approval.`,
  parameters: z.object({ to: z.string().email(), subject: z.string(), body: z.string() }),
  requiresApproval: ({ to }) => !to.toLowerCase().endsWith(`@${COMPANY_DOMAIN}`),
  execute: ({ to }) => ({ queued: true, to }),
});

/** The demo agents' scenarios, fresh for each start (a scenario remembers which run it is on). */
export function demoScenarios(): DemoScenario[] {
  let mailRuns = 0;
  return [
    {
      agentName: 'ops-agent',
      queue: 'ops',
      tools: [getPods, deletePod],
      nextRun() {
        const namespace = pick(namespaces);
        const pod = pick(pods);
        return {
          task: `Pods are crash-looping in ${namespace}; restart the broken one.`,
          model: scriptedModel([
            { toolCalls: [{ name: 'get_pods', args: { namespace } }] },
            { toolCalls: [{ name: 'delete_pod', args: { name: pod, namespace, gracePeriodSeconds: 30 } }] },
            (messages) => `Done: ${messages.at(-1)?.content ?? ''}`,
          ]),
        };
      },
    },
    {
      agentName: 'billing-agent',
      queue: 'billing',
      tools: [sendPayment],
      nextRun() {
        const vendor = pick(['Acme Hosting', 'Globex Analytics', 'Initech Office Supply', 'Umbrella Security']);
        const amount = Math.round(Math.random() * 500_000) / 100;
        return {
          task: `Pay the open invoice from ${vendor}.`,
          model: scriptedModel([
            { toolCalls: [{ name: 'send_payment', args: { vendor, amount, currency: pick(['USD', 'EUR']), memo: `Invoice ${Math.floor(Math.random() * 90_000 + 10_000)}` } }] },
            (messages) => `Payment step finished: ${messages.at(-1)?.content ?? ''}`,
          ]),
        };
      },
    },
    {
      agentName: 'mail-agent',
      queue: 'comms',
      tools: [sendEmail],
      nextRun() {
        // The first run writes outside the company, so a fresh console shows a request from every demo agent at once.
        const external = ['press@newswire.test', 'partner@globex.test', 'support@vendor.test'];
        const to = mailRuns++ === 0 ? pick(external) : pick(['dana@example.com', 'ceo@example.com', ...external]);
        return {
          task: `Send the weekly status update to ${to}.`,
          model: scriptedModel([
            { toolCalls: [{ name: 'send_email', args: { to, subject: 'Weekly status', body: 'Hi,\n\nAll services are green this week. Two incidents were resolved within SLA.\n\nBest,\nThe agent' } }] },
            (messages) => `Email step finished: ${messages.at(-1)?.content ?? ''}`,
          ]),
        };
      },
    },
  ];
}
