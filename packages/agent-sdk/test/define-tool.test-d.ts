import { expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineTool, type Tool, type ToolContext } from '../src/index.js';

it('infers execute and requiresApproval arguments from parameters, and fits a plain Tool', () => {
  const tool = defineTool({
    name: 'transfer',
    description: 'Moves money',
    parameters: z.object({ amount: z.number(), to: z.string().optional() }),
    requiresApproval: (args) => {
      expectTypeOf(args).toEqualTypeOf<{ amount: number; to?: string | undefined }>();
      return args.amount > 100;
    },
    execute: (args, ctx) => {
      expectTypeOf(args.amount).toEqualTypeOf<number>();
      expectTypeOf(ctx).toEqualTypeOf<ToolContext>();
      return 'ok';
    },
  });
  expectTypeOf(tool).toExtend<Tool>();
});
