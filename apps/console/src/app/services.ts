import type { GrantInput, JsonObject } from '@approval-hub/protocol';
import { type GrantsController, createGrantsController } from '../hub/grantsController';
import { type HistoryController, createHistoryController } from '../hub/historyController';
import { startClockSync } from '../hub/clockSync';
import { startHealthMonitor } from '../hub/healthMonitor';
import { type HubApi, createHubApi } from '../hub/hubApi';
import { type HubSocket, createHubSocket } from '../hub/hubSocket';
import { createRestClient } from '../hub/restClient';
import { type SessionController, createSessionController } from '../session/sessionController';
import { type ConsoleStore, createConsoleStore } from '../store/consoleStore';

/** Approve / deny / edit, shared by the buttons and the keyboard; the reason comes from the store's draft. */
export interface DecisionCommands {
  /** One press of Approve: may arm a confirmation (high risk) or open one (critical) instead of sending. */
  approve(requestId: string): void;
  /** Approve a critical-risk request with the tool name the reviewer typed. */
  confirmCritical(requestId: string, typedName: string): void;
  deny(requestId: string): void;
  /** Approve with edited arguments; high and critical risk ask for the same confirmation as Approve. */
  approveEdited(requestId: string, args: JsonObject, typedName?: string): void;
  /** "Approve & allow similar…": approve with a standing grant; the same confirmations as Approve. */
  approveWithGrant(requestId: string, grant: GrantInput): void;
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
  });
  session = createSessionController({ store, api, getSocket: () => socket, storage: window.sessionStorage });
  const ended = session;
  const history = createHistoryController(store, api, () => ended.refuse({ code: 'unauthorized', message: 'The hub no longer accepts this token.' }));
  startClockSync(store, api);
  const reason = () => store.getState().reasonDraft;
  /** The grant an "Approve & allow similar…" started with, kept through its risk confirmation; plain Approve drops it. */
  const grantFor = new Map<string, GrantInput>();
  // The button and the `a` key take the same path: hidden content and the risk confirmation hold for both.
  const approveWith = (id: string, typedName?: string) => {
    const step = store.getState().approvalStep(id, typedName);
    const grant = grantFor.get(id);
    if (step.kind === 'send') {
      grantFor.delete(id);
      socket.decide(id, 'approve', { reason: reason(), ...(grant ? { grant } : {}) });
    } else if (step.kind === 'blocked') store.getState().pushNotice('warning', step.reason);
  };
  const decisions: DecisionCommands = {
    approve: (id) => {
      grantFor.delete(id);
      approveWith(id);
    },
    approveWithGrant: (id, grant) => {
      grantFor.set(id, grant);
      approveWith(id);
    },
    confirmCritical: (id, typed) => approveWith(id, typed),
    deny: (id) => socket.decide(id, 'deny', { reason: reason() }),
    approveEdited: (id, args, typedName) => {
      const step = store.getState().approvalStep(id, typedName);
      if (step.kind === 'send') socket.decide(id, 'edit', { reason: reason(), args });
      else if (step.kind === 'blocked') store.getState().pushNotice('warning', step.reason);
    },
  };
  const grants = createGrantsController(store, api);
  return { store, api, socket, session, history, decisions, grants };
}
