import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { freshDatabase } from '../support/postgres.js';
import { crashWhileWriting } from './crash-writer.js';
import { describeStoreContract, type StoreUnderTest } from './store-contract.js';

describeStoreContract('PostgreSQL', async () => {
  const database = await freshDatabase();
  const open = () => openPostgresStore({ url: database.url });
  const handle: StoreUnderTest = {
    store: await open(),
    reopen: open,
    crashWhileWriting: () => crashWhileWriting('postgres', database.url),
    cleanup: async () => {
      await handle.store.close();
      await database.drop();
    },
  };
  return handle;
});
