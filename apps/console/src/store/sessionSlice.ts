import type { Principal } from '@approval-hub/protocol';
import type { ConsoleSlice, ConsoleState } from './types';

/** Why the console is back on the sign-in page. */
export interface SignInProblem {
  readonly code: 'unauthorized' | 'forbidden' | 'hub_error';
  readonly message: string;
}

export interface SessionSlice {
  readonly token: string | null;
  readonly principal: Principal | null;
  readonly signInProblem: SignInProblem | null;
  signIn(token: string): void;
  setPrincipal(principal: Principal): void;
  /** The hub refused the token: back to the sign-in page, saying why. */
  refuse(problem: SignInProblem): void;
  signOut(): void;
}

export const createSessionSlice: ConsoleSlice<SessionSlice> = (set, get, api) => {
  /** Everything back to the start (queue, history, notices…) except the reviewer's notification choices. */
  const fresh = (): Partial<ConsoleState> => {
    const { desktopNotify, soundNotify } = get();
    return { ...api.getInitialState(), desktopNotify, soundNotify };
  };
  return {
    token: null,
    principal: null,
    signInProblem: null,
    signIn: (token) => set({ ...fresh(), token }, undefined, 'session/signIn'),
    setPrincipal: (principal) => set({ principal }, undefined, 'session/setPrincipal'),
    refuse: (signInProblem) => set({ ...fresh(), signInProblem }, undefined, 'session/refuse'),
    signOut: () => set(fresh(), undefined, 'session/signOut'),
  };
};
