import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, defineTool, scriptedModel, type ApprovalPolicy, type Tool } from '../src/index.js';

type OwnRule = 'unset' | true | false | 'fn→true' | 'fn→false';

interface Case {
  policy: ApprovalPolicy;
  own: OwnRule;
  readOnly: boolean;
  autoApproveReadOnly: boolean;
  asks: boolean;
}

const policies: ApprovalPolicy[] = ['none', 'all', ['act'], ['other']];
const flags = [false, true];

/** The tool says nothing: read-only auto-approval first, then the agent's policy. */
const policyCases: Case[] = [
  { policy: 'none', own: 'unset', readOnly: false, autoApproveReadOnly: false, asks: false },
  { policy: 'none', own: 'unset', readOnly: false, autoApproveReadOnly: true, asks: false },
  { policy: 'none', own: 'unset', readOnly: true, autoApproveReadOnly: false, asks: false },
  { policy: 'none', own: 'unset', readOnly: true, autoApproveReadOnly: true, asks: false },
  { policy: 'all', own: 'unset', readOnly: false, autoApproveReadOnly: false, asks: true },
  { policy: 'all', own: 'unset', readOnly: false, autoApproveReadOnly: true, asks: true },
  { policy: 'all', own: 'unset', readOnly: true, autoApproveReadOnly: false, asks: true },
  { policy: 'all', own: 'unset', readOnly: true, autoApproveReadOnly: true, asks: false },
  { policy: ['act'], own: 'unset', readOnly: false, autoApproveReadOnly: false, asks: true },
  { policy: ['act'], own: 'unset', readOnly: false, autoApproveReadOnly: true, asks: true },
  { policy: ['act'], own: 'unset', readOnly: true, autoApproveReadOnly: false, asks: true },
  { policy: ['act'], own: 'unset', readOnly: true, autoApproveReadOnly: true, asks: false },
  { policy: ['other'], own: 'unset', readOnly: false, autoApproveReadOnly: false, asks: false },
  { policy: ['other'], own: 'unset', readOnly: false, autoApproveReadOnly: true, asks: false },
  { policy: ['other'], own: 'unset', readOnly: true, autoApproveReadOnly: false, asks: false },
  { policy: ['other'], own: 'unset', readOnly: true, autoApproveReadOnly: true, asks: false },
];

/** The tool's own rule beats the policy and read-only auto-approval in every combination. */
const ownRuleCases: Case[] = (['fn→true', true, 'fn→false', false] as const).flatMap((own) =>
  policies.flatMap((policy) =>
    flags.flatMap((readOnly) =>
      flags.map((autoApproveReadOnly) => ({ policy, own, readOnly, autoApproveReadOnly, asks: own === true || own === 'fn→true' })),
    ),
  ),
);

function actTool(own: OwnRule, readOnly: boolean, seen: unknown[]): Tool {
  const parameters = z.object({ n: z.number() });
  const check = (answer: boolean) => async (args: { n: number }) => {
    seen.push(args);
    return answer;
  };
  const requiresApproval = own === 'unset' ? undefined : own === 'fn→true' ? check(true) : own === 'fn→false' ? check(false) : own;
  return defineTool({ name: 'act', description: 'Acts', parameters, readOnly, execute: () => 'ran', ...(requiresApproval !== undefined && { requiresApproval }) });
}

const otherTool = defineTool({ name: 'other', description: 'Another tool', parameters: z.object({}), execute: () => 'other ran' });

describe('which calls need approval (callback mode)', () => {
  it.each([...policyCases, ...ownRuleCases])(
    'policy $policy, requiresApproval $own, readOnly $readOnly, autoApproveReadOnly $autoApproveReadOnly → asks: $asks',
    async ({ policy, own, readOnly, autoApproveReadOnly, asks }) => {
      const asked: unknown[] = [];
      const checkedArgs: unknown[] = [];
      const agent = new Agent({
        name: 'precedence',
        model: scriptedModel([{ toolCalls: [{ name: 'act', args: { n: 1 } }] }, 'done']),
        tools: [actTool(own, readOnly, checkedArgs), otherTool],
        approval: {
          policy,
          autoApproveReadOnly,
          onApproval: (request) => {
            asked.push(request.toolName);
            return { approved: true };
          },
        },
      });

      const result = await agent.run('go');

      expect(asked).toEqual(asks ? ['act'] : []);
      expect(result.toolCalls).toMatchObject([{ name: 'act', approval: asks ? 'approved' : 'not_required', executed: true, result: 'ran' }]);
      if (typeof own === 'string' && own !== 'unset') expect(checkedArgs).toEqual([{ n: 1 }]);
    },
  );
});
