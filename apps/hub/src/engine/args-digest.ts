import { createHash } from 'node:crypto';
import type { ToolArgs } from '@approval-hub/protocol';
import { canonicalJson } from '../audit/canonical-json.js';

/** SHA-256 (base64url) of the arguments' canonical JSON: binds a decision link to the arguments it showed. */
export function argsDigest(args: ToolArgs): string {
  return createHash('sha256').update(canonicalJson(args)).digest('base64url');
}
