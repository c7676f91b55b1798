import { MAX_SUSPICIOUS_FINDINGS, scanText, type ApprovalRecord, type JsonValue, type SuspiciousFinding } from '@approval-hub/protocol';

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${Array.from(text).slice(0, max - 1).join('').slice(0, max - 1)}…`;
}

function keyPath(parent: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function scanJson(value: JsonValue, field: string, out: SuspiciousFinding[]): void {
  if (out.length >= MAX_SUSPICIOUS_FINDINGS) return;
  if (typeof value === 'string') {
    out.push(...scanText(value, field));
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => {
      scanJson(item, `${field}[${index}]`, out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      // A key can deceive as well as a value: `{"amount\u202E": …}`.
      out.push(...scanText(key, `${field} key ${JSON.stringify(key).slice(0, 100)}`));
      scanJson(item, keyPath(field, key), out);
    }
  }
}

/**
 * Every piece of text in a request that the agent wrote, scanned once on arrival: what is found is stored with the
 * record, so every console (and any other client) warns about the same things.
 */
export function scanRequest(record: ApprovalRecord): SuspiciousFinding[] {
  const out: SuspiciousFinding[] = [];
  const texts: [string, string | undefined][] = [
    ['toolName', record.toolName],
    ['agentName', record.agentName],
    ['runId', record.runId],
    ['conversationId', record.conversationId],
    ['summary', record.summary],
    ['description', record.description],
    ['context.rationale', record.context?.rationale],
  ];
  for (const [field, text] of texts) if (text !== undefined) out.push(...scanText(text, field));
  record.context?.turns?.forEach((turn, index) => {
    out.push(...scanText(turn.content, `context.turns[${index}]`));
  });
  scanJson(record.args, 'args', out);
  return out.slice(0, MAX_SUSPICIOUS_FINDINGS).map((finding) => ({ ...finding, field: clip(finding.field, 300) }));
}
