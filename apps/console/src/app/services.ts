import { type GrantInput, type JsonObject, digestToApprove } from '@approval-hub/protocol';
import type { ApproveAction } from '../store/reviewSlice';
import { type GrantsController, createGrantsController } from '../hub/grantsController';
import { type HistoryController, createHistoryController } from '../hub/historyController';
import { startClockSync } from '../hub/clockSync';
import { startHealthMonitor } from '../hub/healthMonitor';
import { type HubApi, createHubApi } from '../hub/hubApi';
import { type HubSocket, createHubSocket } from '../hub/hubSocket';
import { createRestClient } from '../hub/restClient';
import { type SessionController, createSessionController } from '../session/sessionController';
import { type ConsoleStore, createConsoleStore } from '../store/consoleStore';

/**
 * Approve / deny / edit / allow similar, shared by the buttons and the keyboard; the reason comes from the store's
 * draft. Each acts only on a request whose detail is on screen and has been for a moment (`checkSeen`), and every
 * approval names what it approves (`argsDigest`).
 */
export interface DecisionCommands {
  /** One press of Approve: may arm a confirmation (high risk) or open one (critical) instead of sending. */
  approve(requestId: string): void;
  /** Approve a critical-risk request with the tool name the reviewer typed. */
  confirmCritical(requestId: string, typedName: string): void;
  deny(requestId: string): void;
  /** Approve with edited arguments; high and critical risk ask for the same confirmation as Approve, on this action. */
  approveEdited(requestId: string, args: JsonObject, typedName?: string): void;
  /**
   * "Approve & allow similar": the approval and its standing grant in one call (both or neither), with the same
   * confirmations as Approve, on this action. `scope` is the grant in words, for the notice.
   */
  approveWithGrant(requestId: string, grant: GrantInput, scope: string, typedName?: string): void;
}

/** Everything that lives outside React, created once per page. */
export interface ConsoleServices {
  readonly store: ConsoleStore;
  readonly api: HubApi;
  readonly socket: HubSocket;
  readonly session: SessionController;
  readonly history: HistoryController;
  readonly decisions: DecisionCommands;
  readonly grants: GrantsController;
}

export function createServices(): ConsoleServices {
  const store = createConsoleStore({ devtools: import.meta.env.DEV });
  const api = createHubApi(createRestClient({ getToken: () => store.getState().token }));
  // The socket and the session controller refer to each other: refusal at the handshake ends the session.
  let session: SessionController | null = null;
  const health = startHealthMonitor(store, api);
  const socket = createHubSocket({
    store,
    origin: window.location.origin,
    onRefused: (problem) => session?.refuse(problem),
    onInternalError: () => health.checkNow(),
    // The ack's details already showed the new proposal; the whole record (approvals, status) comes from the hub.
    onProposalChanged: (id) => {
      api
        .getApproval(id)
        .then(({ timeline: _timeline, ...record }) => store.getState().applyEvents([{ type: 'updated', record }]))
        .catch(() => undefined);
    },
  });
  session = createSessionController({ store, api, getSocket: () => socket, storage: window.sessionStorage });
  const ended = session;
  const history = createHistoryController(store, api, () => ended.refuse({ code: 'unauthorized', message: 'The hub no longer accepts this token.' }));
  startClockSync(store, api);
  const reason = () => store.getState().reasonDraft;
  /** What the reviewer was shown and approves: the digest of what would run, from the record on screen. */
  const shownDigest = (id: string) => {
    const record = store.getState().items.get(id)?.record;
    const digest = record ? digestToApprove(record) : undefined;
    return digest === undefined ? {} : { argsDigest: digest };
  };
  // Buttons and keys take the same path: the dwell, hidden content and the risk confirmation hold for both.
  const approveAs = (id: string, action: ApproveAction, send: () => void, typedName?: string) => {
    const step = store.getState().approvalStep(id, action, typedName);
    if (step.kind === 'send') send();
    else if (step.kind === 'blocked') store.getState().pushNotice('warning', step.reason);
  };
  const approve = (id: string, typedName?: string) => approveAs(id, 'approve', () => socket.decide(id, 'approve', { reason: reason(), ...shownDigest(id) }), typedName);
  const decisions: DecisionCommands = {
    approve: (id) => approve(id),
    confirmCritical: (id, typed) => approve(id, typed),
    approveWithGrant: (id, grant, scope, typed) =>
      approveAs(id, 'grant', () => socket.decide(id, 'grant', { reason: reason(), grant, scope, ...shownDigest(id) }), typed),
    deny: (id) => {
      const check = store.getState().checkDecidable(id);
      if (check.ok) socket.decide(id, 'deny', { reason: reason() });
      else store.getState().pushNotice('warning', check.reason);
    },
    approveEdited: (id, args, typed) => approveAs(id, 'edit', () => socket.decide(id, 'edit', { reason: reason(), args, ...shownDigest(id) }), typed),
  };
  const grants = createGrantsController(store, api);
  return { store, api, socket, session, history, decisions, grants };
}
