import type { Principal } from '@approval-hub/protocol';
import type { ConsoleSlice } from './types';

/** Why the console is back on the sign-in page. */
export interface SignInProblem {
  readonly code: 'unauthorized' | 'forbidden' | 'hub_error';
  readonly message: string;
}

/** Sign-in, refusal and sign-out reset every slice: they are in `actions.ts`. */
export interface SessionSlice {
  readonly token: string | null;
  readonly principal: Principal | null;
  readonly signInProblem: SignInProblem | null;
  setPrincipal(principal: Principal): void;
}

export const createSessionSlice: ConsoleSlice<SessionSlice> = (set) => ({
  token: null,
  principal: null,
  signInProblem: null,
  setPrincipal: (principal) => set({ principal }, undefined, 'session/setPrincipal'),
});
