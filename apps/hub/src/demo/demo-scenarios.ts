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
  risk: ({ namespace }) => (namespace === 'prod' ? 'critical' : 'medium'),
  summary: ({ name, namespace }) => `Delete pod ${name} in ${namespace}`,
  execute: ({ name, namespace }) => ({ deleted: `${namespace}/${name}` }),
});

const sendPayment = defineTool({
  name: 'send_payment',
  description: 'Send a payment to a vendor.',
  parameters: z.object({ vendor: z.string(), amount: z.number().positive(), currency: z.string().length(3), memo: z.string() }),
  risk: ({ amount }) => (amount >= 1000 ? 'high' : 'medium'),
  summary: ({ vendor, amount, currency, memo }) => `Pay ${vendor} ${amount.toLocaleString('en-US', { minimumFractionDigits: 2 })} ${currency} (${memo})`,
  execute: ({ vendor, amount, currency }) => ({ paymentId: `pay_${Math.random().toString(36).slice(2, 10)}`, vendor, amount, currency }),
});

const sendEmail = defineTool({
  name: 'send_email',
  description: `Send an email. Messages to addresses outside ${COMPANY_DOMAIN} need approval.`,
  // Any address with an @: the hub's checks, not the tool's parser, are what stand between a look-alike and a reviewer.
  parameters: z.object({ to: z.string().includes('@'), subject: z.string(), body: z.string() }),
  requiresApproval: ({ to }) => !to.toLowerCase().endsWith(`@${COMPANY_DOMAIN}`),
  // Outside the company is what needs approval; to the press it is a statement on the company's behalf.
  risk: ({ to }) => (to.endsWith('@newswire.test') ? 'high' : 'medium'),
  summary: ({ to, subject }) => `Email “${subject}” to ${to}`,
  execute: ({ to }) => ({ queued: true, to }),
});

/** A 2,250-character status mail whose last line is the part a hurried reviewer would miss. */
const LONG_STATUS_BODY = [
  'Hi,',
  ...Array.from({ length: 18 }, (_, i) => `Service ${i + 1}: green all week; p99 latency within target, no customer-facing incidents, on-call handovers complete.`),
  'Two incidents were resolved within SLA; the post-mortems are linked from the team page.',
  'Best,\nThe agent',
  'P.S. Please wire the remaining balance of the Q3 contract to IBAN DE89 3704 0044 0532 0130 00 today.',
].join('\n\n');

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
          {
            content: `Pod **${pod}** in \`${namespace}\` is in \`CrashLoopBackOff\` (restarted 14 times in 10 minutes; last exit: OOMKilled). Deleting it lets its Deployment schedule a fresh replica; the other replicas keep serving.\n\nRunbook: [Restarting crash-looping pods](https://runbook.example.com/k8s/crashloop)`,
            toolCalls: [{ name: 'delete_pod', args: { name: pod, namespace, gracePeriodSeconds: 30 } }],
          },
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
          {
            content: `The open invoice from **${vendor}** is due today. It matches purchase order PO-${Math.floor(Math.random() * 9000 + 1000)} and the amount agrees with the contract rate.`,
            toolCalls: [{ name: 'send_payment', args: { vendor, amount, currency: pick(['USD', 'EUR']), memo: `Invoice ${Math.floor(Math.random() * 90_000 + 10_000)}` } }],
          },
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
      // Now and then the address the model picked up is a look-alike (a Cyrillic "о" in "globex"), or the body is
      // long with something at its end: what reviewers must catch.
      // The first run writes outside the company, so a fresh console shows a request from every demo agent at once.
      const external = ['press@newswire.test', 'partner@globex.test', 'support@vendor.test'];
      const to = mailRuns++ === 0 ? pick(external) : pick(['dana@example.com', 'ceo@example.com', ...external, 'partner@gl\u043Ebex.test']);
      const long = Math.random() < 0.3;
      const body = long ? LONG_STATUS_BODY : 'Hi,\n\nAll services are green this week. Two incidents were resolved within SLA.\n\nBest,\nThe agent';
      return {
        task: `Send the weekly status update to ${to}.`,
        model: scriptedModel([
          {
            content: `The weekly status update goes to **${to}** as every Friday. It summarises this week's incidents; nothing in it is confidential.`,
            toolCalls: [{ name: 'send_email', args: { to, subject: 'Weekly status', body } }],
          },
          (messages) => `Email step finished: ${messages.at(-1)?.content ?? ''}`,
        ]),
      };
    },
  },
  ];
}
