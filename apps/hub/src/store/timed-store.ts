import type { ApprovalStore } from './store.js';

/** The store's writes, by the name metrics label them with. */
export type StoreWrite = 'insert' | 'transition' | 'delivered' | 'audit' | 'purge' | 'update' | 'revoke';

/** Told how long each store write took to commit (or fail); implemented by the metrics of the transport layer. */
export type CommitObserver = (write: StoreWrite, seconds: number, ok: boolean) => void;

/**
 * The same store, with every write timed from the call until its transaction committed (what a client waits for).
 * Works for any store: it only wraps the boundary. Reads pass straight through.
 */
export function timeStoreWrites(store: ApprovalStore, observe: CommitObserver): ApprovalStore {
  const timed = async <T>(write: StoreWrite, run: () => Promise<T>): Promise<T> => {
    const started = process.hrtime.bigint();
    let ok = false;
    try {
      const value = await run();
      ok = true;
      return value;
    } finally {
      observe(write, Number(process.hrtime.bigint() - started) / 1e9, ok);
    }
  };
  return {
    insertRequest: (input) => timed('insert', () => store.insertRequest(input)),
    transition: (input) => timed('transition', () => store.transition(input)),
    markDelivered: (requestId, principalId, audit, at) => timed('delivered', () => store.markDelivered(requestId, principalId, audit, at)),
    appendAudit: (events, at) => timed('audit', () => store.appendAudit(events, at)),
    purgeDecided: (input) => timed('purge', () => store.purgeDecided(input)),
    purgeSpent: (input) => timed('purge', () => store.purgeSpent(input)),
    updatePending: (input) => timed('update', () => store.updatePending(input)),
    revokeGrant: (input) => timed('revoke', () => store.revokeGrant(input)),
    liveGrants: (queue, now) => store.liveGrants(queue, now),
    listGrants: (query, queues) => store.listGrants(query, queues),
    getGrant: (grantId, queues, now) => store.getGrant(grantId, queues, now),
    dueEscalations: (now, limit) => store.dueEscalations(now, limit),
    nextEscalation: () => store.nextEscalation(),
    getRequest: (requestId, scope) => store.getRequest(requestId, scope),
    listRequests: (query, scope) => store.listRequests(query, scope),
    listPending: (queues, query) => store.listPending(queues, query),
    undelivered: (principalId, limit, after) => store.undelivered(principalId, limit, after),
    awaitingDelivery: (principalIds) => store.awaitingDelivery(principalIds),
    due: (now, limit) => store.due(now, limit),
    nextDeadline: () => store.nextDeadline(),
    timeline: (requestId) => store.timeline(requestId),
    listAudit: (query, queues) => store.listAudit(query, queues),
    verifyAudit: (input) => store.verifyAudit(input),
    auditHead: () => store.auditHead(),
    counts: () => store.counts(),
    decisionLinkUsed: (linkId) => store.decisionLinkUsed(linkId),
    secret: () => store.secret(),
    ping: () => store.ping(),
    claimOutbox: (input) => store.claimOutbox(input),
    settleOutbox: (input) => store.settleOutbox(input),
    redeliverOutbox: (id, now) => store.redeliverOutbox(id, now),
    listOutbox: (query) => store.listOutbox(query),
    outboxOf: (requestId, channel) => store.outboxOf(requestId, channel),
    outboxCounts: () => store.outboxCounts(),
    close: () => store.close(),
    ...(store.watch && { watch: store.watch.bind(store) }),
  };
}
