import type { Principal } from '@approval-hub/protocol';

interface LongPoll {
  token: string;
  principal: Principal;
  controller: AbortController;
}

/** Open long-polls with the token that started them, so a reload can end those whose rights changed. */
export class LongPolls {
  readonly #open = new Set<LongPoll>();

  /** Registers a long-poll; the returned signal aborts with reason `revoked` when its token no longer holds. */
  track(token: string, principal: Principal): { signal: AbortSignal; done: () => void } {
    const poll: LongPoll = { token, principal, controller: new AbortController() };
    this.#open.add(poll);
    return { signal: poll.controller.signal, done: () => this.#open.delete(poll) };
  }

  revokeWhere(revoked: (token: string, principal: Principal) => boolean): void {
    for (const poll of this.#open) {
      if (revoked(poll.token, poll.principal)) {
        this.#open.delete(poll);
        poll.controller.abort('revoked');
      }
    }
  }
}
