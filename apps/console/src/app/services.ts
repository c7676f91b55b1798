import type { JsonObject } from '@approval-hub/protocol';
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
  approve(requestId: string): void;
  deny(requestId: string): void;
  approveEdited(requestId: string, args: JsonObject): void;
}

/** Everything that lives outside React, created once per page. */
export interface ConsoleServices {
  readonly store: ConsoleStore;
  readonly api: HubApi;
  readonly socket: HubSocket;
  readonly session: SessionController;
  readonly history: HistoryController;
  readonly decisions: DecisionCommands;
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
  const decisions: DecisionCommands = {
    approve: (id) => socket.decide(id, 'approve', { reason: reason() }),
    deny: (id) => socket.decide(id, 'deny', { reason: reason() }),
    approveEdited: (id, args) => socket.decide(id, 'edit', { reason: reason(), args }),
  };
  return { store, api, socket, session, history, decisions };
}
