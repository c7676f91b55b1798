import { describeAgent } from '../domain/agentIdentity';
import { describeOutcome, isDecidedBy } from '../domain/decidedBy';
import { proposalOf, proposerName } from '../domain/proposal';
import type { QueueItem } from '../domain/queueItem';
import { type Departure, type QueueData, type QueueEvent, applyQueueEvents, selectionAfter } from '../domain/queueState';
import type { NoticeDraft } from './noticeSlice';
import { type Arrivals, queueDataOf } from './queueSlice';
import { digestOf } from './reviewSlice';
import type { DepartedNote } from './selectionSlice';
import type { ConsoleState } from './types';

/**
 * The pure parts of the cross-slice actions (`actions.ts`): from the state as it is, what an action changes across
 * the slices and what it reports. No `set` here: the action commits the result once.
 */

/** What one action changes: its state patch and the notices it reports, committed together. */
export interface Change {
  readonly patch: Partial<ConsoleState>;
  readonly notices: readonly NoticeDraft[];
}

// ---- Selection ----------------------------------------------------------------------------------------------------

/**
 * The part of a state change that moves the selection when the selected request left the queue.
 * When it left because of this reviewer's own decision the move is quiet (that is the flow:
 * decide, next); otherwise the pane says what happened and decisions wait a moment.
 */
export function selectionPatch(state: ConsoleState, next: QueueData, departed: readonly Departure[], now: number, noteText?: string): Partial<ConsoleState> {
  const selectedId = state.selectedId;
  if (selectedId === null || next.items.has(selectedId)) return {};
  const newId = selectionAfter(selectedId, state.visibleIds, next.items, next.visibleIds);
  const gone = departed.find((d) => d.item.id === selectedId);
  const myId = state.principal?.id ?? null;
  const own = gone?.outcome != null && isDecidedBy(gone.outcome, myId);
  const departedNote: DepartedNote | null =
    gone && !own
      ? {
          requestId: selectedId,
          toolName: gone.item.record.toolName,
          text: noteText ?? (gone.outcome ? describeOutcome(gone.outcome, myId) : 'no longer pending'),
        }
      : null;
  return {
    selectedId: newId,
    departedNote,
    autoMovedAt: newId === null || own ? null : now,
    selectedBy: 'console',
    selectedAt: now,
    editingId: null,
    reasonDraft: '',
  };
}

// ---- Queue --------------------------------------------------------------------------------------------------------

/** What would run of the request on screen changed (another reviewer proposed an edit): say so, it needs a new look. */
function proposalChangeNotice(before: ConsoleState, after: ConsoleState): string | null {
  const id = after.selectedId;
  if (id === null || id !== before.selectedId) return null;
  const was = before.items.get(id)?.record;
  const now = after.items.get(id)?.record;
  if (!was || !now || digestOf(was) === digestOf(now)) return null;
  const proposal = proposalOf(now);
  if (proposal?.proposedBy && proposal.proposedBy.id === after.principal?.id) return null;
  if (!proposal) return `The edit proposed for ${now.toolName} was withdrawn: the agent’s own arguments would run. Look again before deciding.`;
  return `${proposerName(proposal, after.principal?.id ?? null)} proposed edited arguments for ${now.toolName}: they would run instead. Look at them before deciding.`;
}

/** More than this many departures in one batch are summed up in one notice. */
const NOTICE_BURST = 3;

export function departureNotices(state: ConsoleState, departed: readonly Departure[]): NoticeDraft[] {
  const myId = state.principal?.id ?? null;
  // A request with our own decision in flight is reported by the ack, not here.
  const shown = departed.filter((d) => d.outcome !== null && state.decisions[d.item.id]?.phase !== 'sending');
  if (shown.length === 0) return [];
  if (shown.length > NOTICE_BURST) return [['info', `${shown.length} requests were decided elsewhere and left the queue.`]];
  return shown.map(({ item, outcome }) => [
    'info',
    `${item.record.toolName} from ${describeAgent(item.record)} was ${outcome ? describeOutcome(outcome, myId) : 'removed'}.`,
  ]);
}

export function arrivalsAfter(previous: Arrivals | null, added: readonly QueueItem[]): Arrivals {
  return {
    seq: (previous?.seq ?? 0) + 1,
    count: added.length,
    toolNames: added.slice(0, 3).map((i) => i.record.toolName),
    agents: [...new Set(added.map((i) => i.record.agent.name))].slice(0, 3),
  };
}

/** Pushed events applied to `state`; null when they change nothing on screen. */
export function eventsChange(state: ConsoleState, events: readonly QueueEvent[], now: number): Change | null {
  if (events.length === 0) return null;
  const change = applyQueueEvents(queueDataOf(state), events, state.ledger);
  // Nothing changed (an in-place update, a quorum approval, changes `items` without adding or removing).
  if (change.data.items === state.items) return null;
  const arrivals = change.added.length > 0 ? arrivalsAfter(state.arrivals, change.added) : state.arrivals;
  const patch = { ...change.data, ...selectionPatch(state, change.data, change.departed, now), arrivals };
  const notices = departureNotices(state, change.departed);
  const changed = proposalChangeNotice(state, { ...state, ...patch });
  return { patch, notices: changed ? [...notices, ['warning', changed]] : notices };
}
