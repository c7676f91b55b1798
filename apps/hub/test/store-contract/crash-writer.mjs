// A store that dies in the middle of its writes (store-contract's crash case): opens the built store given on the
// command line and writes pending requests and decisions until it is killed, reporting each settled write on stdout.
// SQLite dies at its own crash point inside a write transaction (crashAt); PostgreSQL is killed from outside.
import { pathToFileURL } from 'node:url';

const [, , kind, location, storeModule] = process.argv;
const { openSqliteStore, openPostgresStore } = await import(pathToFileURL(storeModule).href);
const store =
  kind === 'sqlite'
    ? await openSqliteStore({ path: location, durability: 'normal', crashAt: { point: 'request.before-commit', n: 40 } })
    : await openPostgresStore({ url: location });

const at = new Date(Date.UTC(2026, 10, 22, 12)).toISOString();
const quota = { maxPendingPerAgent: 1_000_000, maxPendingPerQueue: 1_000_000 };
const record = (i) => {
  const agent = `crash-agent-${i % 3}`;
  return {
    requestId: `crash-${i}`,
    status: 'pending',
    toolName: 'delete_pod',
    args: { i },
    agent: { id: agent, name: agent },
    agentName: agent,
    runId: 'run-1',
    queue: `crash-q${i % 2}`,
    createdAt: at,
    expiresAt: new Date(Date.parse(at) + 60_000).toISOString(),
  };
};
const requested = (r) => ({ type: 'requested', requestId: r.requestId, queue: r.queue, actor: { kind: 'agent', id: r.agent.id, name: r.agent.name }, data: {} });

for (let i = 0; ; i += 8) {
  // Eight writes in flight at once, so the crash lands among grouped and concurrent transactions.
  const batch = Array.from({ length: 8 }, (_, k) => i + k).map(async (n) => {
    const r = record(n);
    await store.insertRequest({ record: r, principalId: r.agent.id, requestHash: `h-${n}`, deliver: false, quota, audit: [requested(r)] });
    if (n % 3 !== 0) return;
    const decided = { ...r, status: 'approved', decision: { approved: true, args: r.args, modified: false, decidedBy: { kind: 'reviewer', id: 'alice', name: 'alice' }, decidedAt: at } };
    const audit = [{ type: 'decided', requestId: r.requestId, queue: r.queue, actor: { kind: 'reviewer', id: 'alice', name: 'alice' }, data: { approved: true, modified: false } }];
    await store.transition({ requestId: r.requestId, record: decided, deliverTo: r.agent.id, at, audit });
  });
  await Promise.allSettled(batch);
  process.stdout.write(`${i + 8}\n`);
}
