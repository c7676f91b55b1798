import { displayText, type ApprovalRecord, type JsonObject } from '@approval-hub/protocol';

/**
 * Agent text as a notification shows it: every bidi control, invisible character and look-alike letter as a visible
 * marker (`invoice⟨U+202E⟩fdp.exe`), never obeyed, as the console shows it.
 */
export const shown = (text: string): string => displayText(text);

/** The arguments as one line of JSON, cut to `max` characters, with suspicious characters marked: enough to recognise. */
export function argumentSummary(args: ApprovalRecord['args'], max = 300): string {
  const text = displayText(JSON.stringify(args) ?? '');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One line per top-level argument that differs: `- key: before`, `+ key: after` (marked, each cut to `max`). */
export function argsDiff(before: JsonObject, after: JsonObject, max = 200): string[] {
  const cut = (value: unknown) => {
    const text = displayText(JSON.stringify(value) ?? '');
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  };
  const lines: string[] = [];
  for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const was = JSON.stringify(before[key]);
    const now = JSON.stringify(after[key]);
    if (was === now) continue;
    if (key in before) lines.push(`- ${shown(key)}: ${cut(before[key])}`);
    if (key in after) lines.push(`+ ${shown(key)}: ${cut(after[key])}`);
  }
  return lines;
}

/** The warning every notification leads with when the hub found suspicious text in a request. */
export function suspiciousWarning(record: ApprovalRecord): string | null {
  const findings = record.suspicious ?? [];
  if (findings.length === 0) return null;
  const fields = [...new Set(findings.map((f) => shown(f.field)))].slice(0, 8).join(', ');
  return `Suspicious text: hidden, reordering or look-alike characters in ${fields}. They are shown as ⟨U+…⟩ markers; check them before deciding.`;
}

/** What approving a request takes, by its risk, on the channels that show it as text. */
export function confirmationNote(record: ApprovalRecord): string | null {
  if (record.risk === 'critical') return 'Critical risk: it can only be approved on the decision page or in the console, by typing the tool name.';
  if (record.risk === 'high') return 'High risk: approving asks you to confirm.';
  return null;
}

/** The facts every notification shows, in the order a reviewer reads them; agent text marked. */
export function requestFacts(record: ApprovalRecord): [label: string, value: string][] {
  const facts: [string, string][] = [
    ['Tool', shown(record.toolName)],
    ['Agent', shown(record.agentName)],
    ['Queue', record.queue],
  ];
  if (record.risk !== undefined) facts.push(['Risk', record.risk]);
  if (record.onBehalfOf !== undefined) facts.push(['On behalf of', shown(record.onBehalfOf)]);
  if (record.summary !== undefined) facts.push(['Summary', shown(record.summary)]);
  for (const challenge of record.challenges ?? []) {
    facts.push(['Challenge', `${challenge.actions.map(shown).join(', ')} on ${challenge.resources.length > 0 ? challenge.resources.map(shown).join(', ') : '(no resource)'}`]);
  }
  facts.push([record.proposal ? 'Agent asked' : 'Arguments', argumentSummary(record.args)]);
  if (record.proposal) {
    facts.push(['Proposed by', `${shown(record.proposal.proposedBy.name)} at ${record.proposal.proposedAt}`]);
    facts.push(['Would run', argumentSummary(record.proposal.args)]);
    facts.push(['Changes', argsDiff(record.args, record.proposal.args).join('\n')]);
  }
  if (record.quorum) facts.push(['Approvals', `${record.quorum.approvals.length} of ${record.quorum.required}`]);
  facts.push(['Deadline', record.expiresAt]);
  facts.push(['Request', record.requestId]);
  return facts;
}

/** Where a reviewer opens the hub's console. */
export function consoleUrl(publicUrl: string): string {
  return `${publicUrl}/#/queue`;
}
