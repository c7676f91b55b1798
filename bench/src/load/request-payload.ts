import type { ApprovalRequestInput } from '@approval-hub/protocol';

const TOOL_NAME = 'bench.write_file';
const SMALL_ARGS_FIELDS = { path: '/srv/reports/q3.csv', mode: 'overwrite' };

/** Builds `approval.request` payloads whose tool arguments serialize to about `argsBytes` of JSON. */
export function requestPayloadFactory(argsBytes: number, runId: string) {
  const filler = argsBytes > 0 ? 'x'.repeat(Math.max(0, argsBytes - 40)) : '';
  return (requestId: string, queue: string, n: number): ApprovalRequestInput => ({
    requestId,
    toolName: TOOL_NAME,
    args: filler ? { n, content: filler } : { n, ...SMALL_ARGS_FIELDS },
    runId,
    queue,
  });
}
