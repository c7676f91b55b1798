import type { GrantStatus } from '@approval-hub/protocol';
import type { ConsoleStore } from '../store/consoleStore';
import type { HubApi } from './hubApi';
import { HubRequestError } from './restClient';

export interface GrantsController {
  /** Loads the grants of our queues: only live ones, or all. */
  load(activeOnly: boolean): Promise<void>;
  revoke(grantId: string): Promise<void>;
}

const ALL: readonly GrantStatus[] = ['active', 'expired', 'revoked', 'used_up'];
const GRANTS_PAGE = 200;

export function createGrantsController(store: ConsoleStore, api: HubApi): GrantsController {
  const actions = () => store.getState();
  const message = (error: unknown) => (error instanceof HubRequestError ? error.message : 'The hub could not be reached.');
  return {
    async load(activeOnly) {
      actions().setGrantsLoading();
      try {
        const page = await api.listGrants(activeOnly ? ['active'] : ALL, GRANTS_PAGE);
        actions().setGrants(page.items);
      } catch (error) {
        actions().setGrantsError(`Could not load grants: ${message(error)}`);
      }
    },
    async revoke(grantId) {
      try {
        const grant = await api.revokeGrant(grantId);
        actions().applyGrant(grant);
        actions().pushNotice('success', 'Grant revoked: later calls it covered will wait for a reviewer again.');
      } catch (error) {
        actions().pushNotice('error', `Could not revoke the grant: ${message(error)}`);
      }
    },
  };
}
