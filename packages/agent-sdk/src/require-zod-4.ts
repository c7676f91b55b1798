import * as z from 'zod';

// Imported first by the package entry, so that a project on zod 3 gets this message instead of a crash deep in a schema.
// `toJSONSchema` exists from zod 4 on; zod 3.25's root entry (its v3 API) lacks it.
if (typeof (z as { toJSONSchema?: unknown }).toJSONSchema !== 'function') {
  throw new Error(
    '@approval-hub/agent-sdk needs zod 4 (the "zod" package at version ^4.0.0), but found an older zod. Install zod@^4 in your project; zod 3, including its "zod/v4" entry, is not supported.',
  );
}
