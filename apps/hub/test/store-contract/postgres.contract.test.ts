import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { utf8LocaleDatabase } from '../support/postgres.js';
import { crashWhileWriting } from './crash-writer.js';
import { describeStoreContract, type StoreUnderTest } from './store-contract.js';

describeStoreContract('PostgreSQL', async () => {
  // A UTF-8 locale, as on a deployed server: the contract's text matching must not depend on the database's locale.
  const database = await utf8LocaleDatabase();
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
