import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { ApprovalStore } from '../../src/store/store.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('SQLite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-contract-'));
  const file = path.join(dir, 'hub.db');
  const open = () => openSqliteStore({ path: file, durability: 'normal' });
  const handle: { store: ApprovalStore; reopen: () => Promise<ApprovalStore>; cleanup: () => Promise<void> } = {
    store: await open(),
    reopen: open,
    cleanup: async () => {
      await handle.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
});
