import type { ApprovalRecord } from '@approval-hub/protocol';
import type { QueueItem } from './queueItem';
import { riskOf } from './risk';

export interface QueueFilters {
  readonly queue: string | null;
  readonly agent: string | null;
  readonly tool: string | null;
  /** A risk level, or `unrated`. */
  readonly risk: string | null;
  /** Free text over the tool name, the authenticated agent's name and the arguments; every word must occur. */
  readonly search: string;
}

export const NO_FILTERS: QueueFilters = { queue: null, agent: null, tool: null, risk: null, search: '' };

export type FacetKey = 'queue' | 'agent' | 'tool' | 'risk';

export function facetValue(record: ApprovalRecord, key: FacetKey): string {
  switch (key) {
    case 'queue':
      return record.queue;
    case 'agent':
      // The authenticated agent: a label an agent chose for itself must not sort it under another's name.
      return record.agent.name;
    case 'tool':
      return record.toolName;
    case 'risk':
      return riskOf(record);
  }
}

// The text searched is built on first search only, and forgotten with its record.
const haystacks = new WeakMap<ApprovalRecord, string>();

function haystackOf(record: ApprovalRecord): string {
  let text = haystacks.get(record);
  if (text === undefined) {
    text = `${record.toolName}\n${record.agent.name}\n${record.summary ?? ''}\n${record.requestId}\n${record.runId}\n${record.conversationId ?? ''}\n${JSON.stringify(record.args)}`.toLowerCase();
    haystacks.set(record, text);
  }
  return text;
}

export function searchTerms(search: string): string[] {
  return search.toLowerCase().split(/\s+/).filter(Boolean);
}

export function hasActiveFilters(filters: QueueFilters): boolean {
  return filters.queue !== null || filters.agent !== null || filters.tool !== null || filters.risk !== null || searchTerms(filters.search).length > 0;
}

/** Builds the predicate once per filter change, so the search terms are split once, not per row. */
export function matcherFor(filters: QueueFilters): (item: QueueItem) => boolean {
  const terms = searchTerms(filters.search);
  const { queue, agent, tool, risk } = filters;
  if (queue === null && agent === null && tool === null && risk === null && terms.length === 0) return () => true;
  return (item) => {
    const r = item.record;
    if (queue !== null && r.queue !== queue) return false;
    if (agent !== null && r.agent.name !== agent) return false;
    if (tool !== null && r.toolName !== tool) return false;
    if (risk !== null && riskOf(r) !== risk) return false;
    if (terms.length === 0) return true;
    const text = haystackOf(r);
    return terms.every((term) => text.includes(term));
  };
}
