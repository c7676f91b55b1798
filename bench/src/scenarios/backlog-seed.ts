import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BacklogSettings {
  /** Pending requests already in the database when the load starts (0 skips the scenario). */
  pending: number;
  /** Spread over this many agents (the load's own, `bench-agent-0` …) and queues (`q0` …, the reviewers' queues). */
  agents: number;
  queues: number;
}

/** The part of the hub's SQLite store the seeding uses, imported from the hub build under test. */
interface SeedStore {
  insertRequest(input: unknown): Promise<{ kind: string }>;
  close(): Promise<void>;
}

const SEED_CHUNK = 2000;

/**
 * Writes `pending` pending requests straight through the store of the hub build that will run (`mainScript`'s own
 * `store/sqlite/sqlite-store.js`, so its schema and audit chain are that build's), in chunks that its writer groups
 * into large transactions. Far faster than over the API, and the hub then starts on a database it can verify.
 */
export async function seedBacklog(mainScript: string, dbPath: string, settings: BacklogSettings): Promise<number> {
  const started = performance.now();
  const storeModule = pathToFileURL(path.join(path.dirname(mainScript), 'store', 'sqlite', 'sqlite-store.js')).href;
  const { openSqliteStore } = (await import(storeModule)) as { openSqliteStore: (o: { path: string; durability: 'normal' }) => Promise<SeedStore> };
  const store = await openSqliteStore({ path: dbPath, durability: 'normal' });
  const createdAt = new Date().toISOString();
  // Far past any step: the deadline timer must not resolve the backlog while it is measured.
  const expiresAt = new Date(Date.now() + 7 * 24 * 3_600_000).toISOString();
  try {
    for (let from = 0; from < settings.pending; from += SEED_CHUNK) {
      const writes: Promise<{ kind: string }>[] = [];
      for (let i = from; i < Math.min(from + SEED_CHUNK, settings.pending); i++) {
        const agent = `bench-agent-${i % settings.agents}`;
        const queue = `q${i % settings.queues}`;
        const record = { requestId: `backlog-${i}`, status: 'pending', toolName: 'deploy', args: { n: i }, agent: { id: agent, name: agent }, agentName: agent, runId: 'backlog', queue, createdAt, expiresAt };
        const requested = { type: 'requested', requestId: record.requestId, queue, actor: { kind: 'agent', id: agent, name: agent }, data: { toolName: 'deploy', agentName: agent, runId: 'backlog', args: record.args, expiresAt } };
        writes.push(store.insertRequest({ record, principalId: agent, requestHash: `backlog-${i}`, deliver: false, quota: null, audit: [requested] }));
      }
      for (const outcome of await Promise.all(writes)) if (outcome.kind !== 'created') throw new Error(`seeding the backlog: ${outcome.kind}`);
    }
  } finally {
    await store.close();
  }
  return Math.round(performance.now() - started);
}
