import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { crashWhileWriting } from './crash-writer.js';
import { describeStoreContract, type StoreUnderTest } from './store-contract.js';

describeStoreContract('SQLite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-contract-'));
  const file = path.join(dir, 'hub.db');
  const open = () => openSqliteStore({ path: file, durability: 'normal' });
  const handle: StoreUnderTest = {
    store: await open(),
    reopen: open,
    crashWhileWriting: () => crashWhileWriting('sqlite', file),
    cleanup: async () => {
      await handle.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
});
