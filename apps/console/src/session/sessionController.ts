import type { HubApi } from '../hub/hubApi';
import type { HubSocket } from '../hub/hubSocket';
import { HubRequestError } from '../hub/restClient';
import type { ConsoleStore } from '../store/consoleStore';
import type { SignInProblem } from '../store/sessionSlice';
import { writeStoredToken } from './tokenStorage';

export interface SessionController {
  signIn(token: string): void;
  signOut(): void;
  refuse(problem: SignInProblem): void;
}

export interface SessionControllerOptions {
  readonly store: ConsoleStore;
  readonly api: HubApi;
  readonly getSocket: () => HubSocket;
  readonly storage: Storage;
}

export const REFUSAL_TEXT: Record<SignInProblem['code'], string> = {
  unauthorized: 'The hub does not know this token (unauthorized). It may be mistyped, revoked or from another hub.',
  forbidden: 'This token is not a reviewer token (forbidden). Agent tokens cannot open the console.',
  hub_error: 'The hub could not check this token.',
};

/** Sign-in and sign-out: token storage, the socket's lifetime and the store's session, kept in step. */
export function createSessionController(options: SessionControllerOptions): SessionController {
  const { store, api, storage } = options;

  const refuse = (problem: SignInProblem) => {
    options.getSocket().stop();
    writeStoredToken(storage, null);
    store.getState().refuse(problem);
  };

  const signIn = (token: string) => {
    writeStoredToken(storage, token);
    store.getState().signIn(token);
    options.getSocket().start(token);
    api.me().then(
      (principal) => {
        if (store.getState().token !== token) return;
        if (principal.role === 'agent') refuse({ code: 'forbidden', message: 'This is an agent token.' });
        else store.getState().setPrincipal(principal);
      },
      (error: unknown) => {
        if (store.getState().token !== token) return;
        if (error instanceof HubRequestError && (error.code === 'unauthorized' || error.code === 'forbidden')) {
          refuse({ code: error.code, message: error.message });
        }
        // Anything else (hub down, a proxy error): the socket shows the connection state and retries.
      },
    );
  };

  const signOut = () => {
    options.getSocket().stop();
    writeStoredToken(storage, null);
    store.getState().signOut();
  };

  return { signIn, signOut, refuse };
}
