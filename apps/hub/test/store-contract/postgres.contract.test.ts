import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { ApprovalStore } from '../../src/store/store.js';
import { freshDatabase } from '../support/postgres.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('PostgreSQL', async () => {
  const database = await freshDatabase();
  const open = () => openPostgresStore({ url: database.url });
  const handle: { store: ApprovalStore; reopen: () => Promise<ApprovalStore>; cleanup: () => Promise<void> } = {
    store: await open(),
    reopen: open,
    cleanup: async () => {
      await handle.store.close();
      await database.drop();
    },
  };
  return handle;
});
