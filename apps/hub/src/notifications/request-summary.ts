import type { ApprovalRecord } from '@approval-hub/protocol';

/** The arguments as one line of JSON, cut to `max` characters: enough to recognise, the console has the rest. */
export function argumentSummary(args: ApprovalRecord['args'], max = 300): string {
  const text = JSON.stringify(args) ?? '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The facts every notification shows, in the order a reviewer reads them. */
export function requestFacts(record: ApprovalRecord): [label: string, value: string][] {
  const facts: [string, string][] = [
    ['Tool', record.toolName],
    ['Agent', record.agentName],
    ['Queue', record.queue],
  ];
  if (record.risk !== undefined) facts.push(['Risk', record.risk]);
  if (record.summary !== undefined) facts.push(['Summary', record.summary]);
  facts.push(['Arguments', argumentSummary(record.args)]);
  facts.push(['Deadline', record.expiresAt]);
  facts.push(['Request', record.requestId]);
  return facts;
}

/** Where a reviewer opens the hub's console. */
export function consoleUrl(publicUrl: string): string {
  return `${publicUrl}/#/queue`;
}
