import { createHash } from 'node:crypto';
import type { AuditVerifyResult } from '@approval-hub/protocol';

export const GENESIS_HASH = '0'.repeat(64);

/** The stored columns of one audit row, exactly as hashed (`actor` and `data` as their stored JSON text). */
export interface AuditRowContent {
  seq: number;
  at: string;
  type: string;
  requestId: string | null;
  queue: string | null;
  actor: string;
  data: string;
  /** The hash of the request's state after this event; null for events that change no request. */
  stateHash: string | null;
}

export interface ChainedAuditRow extends AuditRowContent {
  prevHash: string;
  hash: string;
}

/**
 * SHA-256 over the previous row's hash and this row's content: any changed byte, gap or swap breaks the chain.
 * Rows without a state hash hash exactly as the first schema did, so older databases still verify.
 */
export function auditHash(prevHash: string, row: AuditRowContent): string {
  return createHash('sha256').update(prevHash).update('\n').update(`[${row.seq},${auditHashTail(row)}`).digest('hex');
}

/**
 * What the hash covers after the position: the JSON array `[seq, at, type, requestId, queue, actor, data,
 * stateHash?]` without its opening `[seq,`. PostgreSQL appends rows given only this text (the position and the
 * previous hash are known there, under the chain-head lock), so both sides hash the very same bytes.
 */
export function auditHashTail(row: Omit<AuditRowContent, 'seq'>): string {
  const fields: unknown[] = [row.at, row.type, row.requestId, row.queue, row.actor, row.data];
  if (row.stateHash !== null) fields.push(row.stateHash);
  return JSON.stringify(fields).slice(1);
}

/** One stored value of a request, exactly as the store keeps it (text as stored, numbers, nulls). */
export type StoredValue = string | number | null;

/**
 * What the chain commits to for one request: the values the store keeps for it, in the store's own column order,
 * and whether its decision still awaits delivery. Hashing the stored text itself (no parsing, no re-serialising)
 * keeps this cheap on the write path; changing any stored value or re-queueing a delivery no longer matches.
 */
export function stateHash(values: readonly StoredValue[], undelivered: boolean): string {
  const hash = createHash('sha256');
  for (const value of values) hash.update(value === null ? '\u0000n' : typeof value === 'number' ? `\u0000i${value}` : `\u0000s${value.length}:`).update(typeof value === 'string' ? value : '');
  return hash.update(undelivered ? '\u0000u1' : '\u0000u0').digest('hex');
}

export interface StoredState {
  requestId: string;
  values: readonly StoredValue[];
  undelivered: boolean;
}

export interface VerifyOptions {
  /** A head exported earlier (`audit head`): the chain must still contain exactly this row. */
  expectedHead?: { seq: number; hash: string } | undefined;
}

type ChainResult = Omit<AuditVerifyResult, 'statesChecked' | 'badState'>;

function purgedIds(data: string): string[] | null {
  try {
    const ids = (JSON.parse(data) as { requestIds?: unknown }).requestIds;
    return Array.isArray(ids) && ids.every((id) => typeof id === 'string') ? ids : null;
  } catch {
    return null;
  }
}

/** Walks the chain in order; names the first row whose position, link or content is wrong. */
export function verifyChain(rows: Iterable<ChainedAuditRow>, options: VerifyOptions = {}): ChainResult & { states: Map<string, string | null> } {
  const states = new Map<string, string | null>();
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  let headHashAtExpected: string | null = null;
  const bad = (seq: number, reason: string) => ({ ok: false, checked, firstBad: { seq, reason }, head: null, states });
  for (const row of rows) {
    if (row.seq !== expectedSeq) {
      const reason = row.seq > expectedSeq ? `row ${expectedSeq} is missing (next row is ${row.seq})` : `row ${row.seq} is out of order`;
      return bad(Math.min(row.seq, expectedSeq), reason);
    }
    if (row.prevHash !== prevHash) return bad(row.seq, 'prev_hash does not match the previous row (a row was removed, inserted or reordered)');
    if (auditHash(prevHash, row) !== row.hash) return bad(row.seq, 'content does not match its hash (the row was changed)');
    if (row.type === 'purged') {
      // Retention removed these requests on purpose: the chain no longer expects them in the database.
      const purged = purgedIds(row.data);
      if (purged === null) return bad(row.seq, 'a purged row does not list the requests it removed');
      for (const requestId of purged) states.delete(requestId);
    }
    if (row.requestId !== null) {
      // Rows from before state hashing (null) mark the request as not checkable, unless a later row commits to a state.
      if (row.stateHash !== null) states.set(row.requestId, row.stateHash);
      else if (!states.has(row.requestId)) states.set(row.requestId, null);
    }
    if (options.expectedHead && row.seq === options.expectedHead.seq) headHashAtExpected = row.hash;
    prevHash = row.hash;
    expectedSeq++;
    checked++;
  }
  const head = checked > 0 ? { seq: expectedSeq - 1, hash: prevHash } : null;
  if (options.expectedHead) {
    const { seq } = options.expectedHead;
    if (headHashAtExpected === null) return bad(seq, `row ${seq} of the exported head is missing (rows were removed from the end)`);
    if (headHashAtExpected !== options.expectedHead.hash) return bad(seq, `row ${seq} does not match the exported head`);
  }
  return { ok: true, checked, head, states };
}

/** Checks every stored request against the last state the chain committed to for it. */
export function verifyStates(
  chainStates: Map<string, string | null>,
  stored: Iterable<StoredState>,
): { statesChecked: number; badState?: { requestId: string; reason: string } } {
  let statesChecked = 0;
  const seen = new Set<string>();
  for (const { requestId, values, undelivered } of stored) {
    seen.add(requestId);
    const expected = chainStates.get(requestId);
    if (expected === undefined) return { statesChecked, badState: { requestId, reason: 'the request is not in the audit chain (added outside the hub)' } };
    if (expected === null) continue; // recorded before state hashing: nothing to compare with
    if (stateHash(values, undelivered) !== expected) {
      return { statesChecked, badState: { requestId, reason: 'the stored request or its delivery differs from the state the audit chain committed to' } };
    }
    statesChecked++;
  }
  for (const [requestId, expected] of chainStates) {
    if (expected !== null && !seen.has(requestId)) return { statesChecked, badState: { requestId, reason: 'the request was removed from the database' } };
  }
  return { statesChecked };
}
